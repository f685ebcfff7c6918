#!/usr/bin/env bash
# A project-local PostgreSQL + PostGIS cluster for development, tests and the demo.
#
#   scripts/local-postgis.sh start   install if needed, create and start the cluster, create the databases
#   scripts/local-postgis.sh stop    stop the cluster (never touches any other cluster)
#   scripts/local-postgis.sh status  say whether it runs
#   scripts/local-postgis.sh url     print the SQLAlchemy URL of the demo database
#
# The cluster lives in .pgdata/ (ignored by git) and listens on 127.0.0.1:${ANSVAR_PG_PORT:-55432}
# and on a socket inside .pgdata/run, so it never clashes with a system cluster on 5432.
# Every step is idempotent: running it twice, after a reboot or over a half-created cluster works.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="${ANSVAR_PG_STATE:-$ROOT/.pgdata}"
DATA="$STATE/cluster"
RUN="$STATE/run"
LOG="$STATE/postgres.log"
MARKER="$STATE/initdb.done"
PORT="${ANSVAR_PG_PORT:-55432}"
DB_USER="ansvar"
DATABASES=(ansvarskartan ansvarskartan_test)

say() { printf 'local-postgis: %s\n' "$*" >&2; }

find_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -f "$(dirname "$dir")/lib/postgis-3.so" ]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir)
    if [ -x "$dir/initdb" ] && [ -f "$(pg_config --pkglibdir)/postgis-3.so" ]; then
      echo "$dir"
      return 0
    fi
  fi
  return 1
}

install_postgis() {
  if [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; then
    if [ "$(id -u)" -ne 0 ]; then
      say "PostgreSQL with PostGIS is missing. Install it as root:"
      say "  sudo apt-get install -y postgresql postgresql-\$(ls /usr/share/postgresql | sort -V | tail -1)-postgis-3"
      exit 1
    fi
    say "installing PostgreSQL and PostGIS from the distribution's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    local major
    major=$(ls /usr/lib/postgresql | sort -V | tail -1)
    apt-get install -y -qq "postgresql-${major}-postgis-3" >/dev/null
  else
    say "PostgreSQL with PostGIS is missing and this is not Debian/Ubuntu. Install them, e.g.:"
    say "  macOS:  brew install postgresql@15 postgis"
    say "  Fedora: sudo dnf install postgresql-server postgis"
    say "or point ANSVAR_DATABASE_URL at an existing PostGIS database."
    exit 1
  fi
}

# The server refuses to run as root, so as root the cluster belongs to the 'postgres' system user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

prepare_state_dir() {
  mkdir -p "$STATE"
  if [ "$(id -u)" -eq 0 ]; then
    # The postgres user must be able to reach the folder through the project path.
    local dir="$STATE"
    while [ "$dir" != "/" ]; do
      if ! runuser -u postgres -- test -x "$dir"; then
        say "letting the postgres user traverse $dir (chmod o+x) to reach the cluster"
        chmod o+x "$dir"
      fi
      dir=$(dirname "$dir")
    done
  fi
}

init_cluster() {
  local bindir=$1
  if [ -f "$MARKER" ] && [ -f "$DATA/PG_VERSION" ]; then
    return 0
  fi
  if [ -e "$DATA" ]; then
    say "removing a half-created cluster in $DATA"
    rm -rf "$DATA"
  fi
  mkdir -p "$DATA" "$RUN"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$DATA" "$RUN"
  fi
  chmod 700 "$DATA"
  as_owner "$bindir/initdb" -D "$DATA" -U "$DB_USER" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$DATA/postgresql.conf" <<EOF

# Ansvarskartan local cluster
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$RUN'
max_connections = 200
shared_buffers = 512MB
work_mem = 16MB
maintenance_work_mem = 512MB
fsync = off
synchronous_commit = off
full_page_writes = off
jit = off
EOF
  touch "$MARKER"
}

is_running() {
  local bindir=$1
  as_owner "$bindir/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start_cluster() {
  local bindir=$1
  if is_running "$bindir"; then
    return 0
  fi
  # A stale pid file (after a reboot or a kill) must not block the start.
  rm -f "$DATA/postmaster.pid"
  touch "$LOG"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$LOG"
    mkdir -p "$RUN" && chown postgres:postgres "$RUN"
  fi
  if ! as_owner "$bindir/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null; then
    say "the server did not start; the end of $LOG:"
    tail -n 20 "$LOG" >&2
    exit 1
  fi
}

create_databases() {
  local bindir=$1 db
  for db in "${DATABASES[@]}"; do
    if ! "$bindir/psql" -h "$RUN" -p "$PORT" -U "$DB_USER" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
      "$bindir/createdb" -h "$RUN" -p "$PORT" -U "$DB_USER" "$db"
    fi
    "$bindir/psql" -q -h "$RUN" -p "$PORT" -U "$DB_USER" -d "$db" \
      -c "SET client_min_messages = warning" \
      -c "CREATE EXTENSION IF NOT EXISTS postgis" \
      -c "CREATE EXTENSION IF NOT EXISTS btree_gist" >/dev/null
  done
}

cmd=${1:-start}
case "$cmd" in
  start)
    if [ -n "${ANSVAR_DATABASE_URL:-}" ]; then
      say "ANSVAR_DATABASE_URL is set; using that database, no local cluster"
      exit 0
    fi
    bindir=$(find_bindir) || { install_postgis; bindir=$(find_bindir); } || {
      say "PostGIS was installed but its files were not found"
      exit 1
    }
    prepare_state_dir
    init_cluster "$bindir"
    start_cluster "$bindir"
    create_databases "$bindir"
    say "PostGIS runs on 127.0.0.1:$PORT (data in .pgdata/)"
    ;;
  stop)
    if [ ! -f "$DATA/PG_VERSION" ]; then
      say "no local cluster in $DATA"
      exit 0
    fi
    bindir=$(find_bindir) || { say "PostgreSQL binaries not found"; exit 1; }
    if is_running "$bindir"; then
      as_owner "$bindir/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
      say "stopped"
    else
      say "not running"
    fi
    ;;
  status)
    bindir=$(find_bindir) || { say "PostgreSQL binaries not found"; exit 1; }
    if [ -f "$DATA/PG_VERSION" ] && is_running "$bindir"; then
      say "running on 127.0.0.1:$PORT"
    else
      say "not running"
      exit 3
    fi
    ;;
  url)
    echo "postgresql+psycopg://$DB_USER@127.0.0.1:$PORT/${2:-ansvarskartan}"
    ;;
  *)
    say "usage: $0 start|stop|status|url [database]"
    exit 2
    ;;
esac
