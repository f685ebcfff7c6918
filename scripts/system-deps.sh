#!/usr/bin/env bash
# System packages the project needs beyond PostgreSQL/PostGIS (scripts/local-postgis.sh
# installs those): Python with venv, Node.js with npm for building the map, and GDAL's
# command-line tools. With --test also Chromium, which the browser tests drive, and
# poppler-utils, whose pdftoppm renders exported PDFs, LibreOffice Calc (no GUI), which
# recalculates exported workbooks, and nginx, which runs the compose file's load balancer. With --bench what the benchmarks run:
# wrk, the HTTP load generator, and Chromium (bench/map.py).
# On Debian/Ubuntu as root they are installed; elsewhere the missing ones are named with the
# command to install them.
set -euo pipefail

python=${PYTHON:-python3}
missing=()
if ! command -v "$python" >/dev/null 2>&1; then
  missing+=(python3)
elif ! "$python" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  if "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    missing+=(python3-venv)
  else
    echo "system-deps: Python >= 3.11 is needed; $python is $("$python" --version 2>&1)" >&2
    exit 1
  fi
fi

command -v ogr2ogr >/dev/null 2>&1 || missing+=(gdal-bin)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
for option in "$@"; do
  case "$option" in
    --test)
      [ -x /usr/bin/chromium ] || missing+=(chromium)
      # pdftoppm renders the exported maps in the tests.
      command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
      # LibreOffice recalculates the exported workbooks' formulas in the tests.
      command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
      # nginx runs the compose file's load balancer configuration in front of test nodes.
      [ -x /usr/sbin/nginx ] || missing+=(nginx)
      ;;
    --bench)
      command -v wrk >/dev/null 2>&1 || missing+=(wrk)
      [ -x /usr/bin/chromium ] || missing+=(chromium)
      ;;
    *)
      echo "system-deps: unknown option $option (use --test or --bench)" >&2
      exit 2
      ;;
  esac
done
# Asked for by both --test and --bench, installed once.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk 'NF && !seen[$0]++')

if [ ${#missing[@]} -eq 0 ]; then
  node_major=$(node -e 'console.log(process.versions.node.split(".")[0])')
  if [ "$node_major" -lt 20 ]; then
    echo "system-deps: Node.js 20 or newer is needed to build the map (found $(node --version))" >&2
    exit 1
  fi
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "system-deps: missing ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
