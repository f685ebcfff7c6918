# Multi-stage image of the service. CI here does not build it (no container engine);
# see docker-compose.yml for running it beside a PostGIS container.
# It has no database URL of its own: give ANSVAR_DATABASE_URL (the service's role) and, for
# `ansvarskartan migrate`, ANSVAR_MIGRATION_DATABASE_URL (the schema's owner) at run time.

FROM node:20-bookworm-slim AS map
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend ./
RUN npm run build

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md requirements.lock ./
COPY app ./app
# Only the dependencies go into the venv; the code runs from /srv/ansvarskartan, next to data/.
# The versions are requirements.lock's (what CI tested); its dev tools stay out of the image.
RUN sed -e '/--hash=/d' -e 's/ \\$//' requirements.lock > /tmp/constraints.txt \
    && pip install --no-cache-dir --upgrade pip \
    && pip install --no-cache-dir --constraint /tmp/constraints.txt . \
    && pip uninstall --yes ansvarskartan

FROM python:3.11-slim-bookworm AS runtime
RUN useradd --system --create-home --uid 10001 ansvar
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/ansvarskartan
COPY alembic.ini ./
COPY migrations ./migrations
COPY data ./data
COPY app ./app
COPY --from=map /frontend/dist ./frontend/dist
RUN mkdir .cache && chown ansvar .cache \
    && printf '#!/bin/sh\nexec python -m app.cli "$@"\n' > /opt/venv/bin/ansvarskartan \
    && chmod +x /opt/venv/bin/ansvarskartan
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/srv/ansvarskartan \
    PYTHONUNBUFFERED=1
USER ansvar
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["sh", "-c", "ansvarskartan migrate && ansvarskartan catalogue sync && ansvarskartan serve --host 0.0.0.0 --port 8000 --workers 2"]
