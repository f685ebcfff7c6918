# Ansvarskartan — the two commands a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pyproject.toml's dependencies and the dev extra, resolved for Python 3.11 on Linux x86_64, with
# the hashes of every file of each release: `make lock` writes it again.
LOCK := requirements.lock
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PARCELS ?= 20000
FUZZ_SEED ?= 14
FUZZ_EXAMPLES ?= 100

FRONTEND_SOURCES := $(shell find frontend/src -type f) $(wildcard frontend/*.html) frontend/vite.config.js \
	frontend/package.json frontend/package-lock.json

.PHONY: help deps lock test-deps bench-deps frontend db db-stop migrate demo-data demo serve test \
	fuzz lint format clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

deps: $(STAMP) ## System packages and the Python virtualenv (from requirements.lock)

# Exactly the locked files (pip refuses any whose hash differs), then the project itself, built
# with the locked setuptools rather than one fetched for the build.
$(STAMP): $(LOCK) pyproject.toml scripts/system-deps.sh
	scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Keeps the pins that still fit pyproject.toml; `make lock LOCK_ARGS=--upgrade` takes the newest.
lock: ## Resolve pyproject.toml's dependencies into requirements.lock (then: make deps)
	test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/pip-compile || $(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet $(LOCK_ARGS) --generate-hashes --allow-unsafe --extra dev \
		--build-deps-for editable --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file $(LOCK) pyproject.toml

test-deps: deps ## Also what the tests need (Chromium, pdftoppm, the test OpenID provider)
	scripts/system-deps.sh --test
	cd tests/oidc-provider && npm ci --no-audit --no-fund

bench-deps: deps ## Also what the benchmarks need (wrk, Chromium)
	scripts/system-deps.sh --bench

frontend: frontend/dist/index.html ## Build the map (npm + Vite)

frontend/dist/index.html: $(FRONTEND_SOURCES) | deps
	cd frontend && npm ci --no-audit --no-fund && npm run build

db: ## Start the project-local PostGIS (or use ANSVAR_DATABASE_URL)
	scripts/local-postgis.sh start

db-stop: ## Stop the project-local PostGIS
	scripts/local-postgis.sh stop

migrate: deps db ## Apply the database migrations
	$(BIN)/ansvarskartan migrate

demo-data: migrate ## Load the catalogue and a generated demo of Huddinge (once)
	$(BIN)/ansvarskartan catalogue sync
	$(BIN)/ansvarskartan demo --bara-om-tom --fastigheter $(DEMO_PARCELS)

demo: demo-data frontend ## Set up everything and serve the demo at http://127.0.0.1:8000
	@echo "Ansvarskartan: http://$(HOST):$(PORT)/  (API-dokumentation: /docs, stoppa med Ctrl-C)"
	$(BIN)/ansvarskartan serve --host $(HOST) --port $(PORT)

serve: deps db frontend ## Serve without touching the data
	$(BIN)/ansvarskartan serve --host $(HOST) --port $(PORT)

lint: deps ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app migrations tests bench

format: deps ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: test-deps db lint frontend ## Set up everything, lint and run the tests
	$(BIN)/pytest

fuzz: deps db ## Fuzz the whole API for longer (FUZZ_SEED=…, FUZZ_EXAMPLES=… per operation)
	$(BIN)/python -m bench.fuzz --seed $(FUZZ_SEED) --examples $(FUZZ_EXAMPLES)

clean: ## Remove the virtualenv and caches (not the database)
	rm -rf $(VENV) .cache .mypy_cache .ruff_cache .pytest_cache .schemathesis .hypothesis frontend/node_modules frontend/dist artifacts
