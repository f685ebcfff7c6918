#!/usr/bin/env bash
# A project-local PostgreSQL + PostGIS cluster for development, tests and the demo.
#
#   scripts/local-postgis.sh start   install if needed, create and start the cluster, create the databases
#   scripts/local-postgis.sh stop    stop the cluster (never touches any other cluster)
#   scripts/local-postgis.sh status  say whether it runs
#   scripts/local-postgis.sh url [--owner] [database]
#                                    print the SQLAlchemy URL of a database (default ansvarskartan)
#                                    as the service's role, or with --owner as the owner
#   scripts/local-postgis.sh standby start|stop|kill|remove|url [N] [--owner] [database]
#                                    hot standby N (1 or 2) of the running cluster on port
#                                    PORT + 100·N, made with pg_basebackup -R; kill stops it as a
#                                    crash would, remove also deletes its data
#
# The cluster lives in .pgdata/ (ignored by git) and listens on 127.0.0.1:${ANSVAR_PG_PORT:-55432}
# and on a socket inside .pgdata/run, so it never clashes with a system cluster on 5432.
# Every step is idempotent: running it twice, after a reboot or over a half-created cluster works.
#
# Two roles: ansvar, the bootstrap superuser, owns the databases and runs the migrations;
# ansvar_service (NOSUPERUSER NOCREATEDB NOCREATEROLE) is what the service connects as, with the
# grants `ansvarskartan migrate` gives it. Over TCP each needs its password (scram-sha-256),
# generated at random when the cluster is made and kept in .pgdata/pgpass (mode 0600, libpq's
# passfile format), which the URLs name as their passfile. On the socket only the cluster's own
# system user gets in, as ansvar (peer): that is how this script works. A cluster made by an
# earlier version of this script, which trusted every local connection, is brought to this
# state by the next start.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="${ANSVAR_PG_STATE:-$ROOT/.pgdata}"
DATA="$STATE/cluster"
RUN="$STATE/run"
LOG="$STATE/postgres.log"
MARKER="$STATE/initdb.done"
PORT="${ANSVAR_PG_PORT:-55432}"
PASSFILE="$STATE/pgpass"
OWNER_ROLE="ansvar"
SERVICE_ROLE="ansvar_service"
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
  # Nobody gets in until write_access_rules has written the cluster's own rules.
  as_owner "$bindir/initdb" -D "$DATA" -U "$OWNER_ROLE" --auth-local=reject --auth-host=reject \
    -E UTF8 --locale=C.UTF-8 >/dev/null
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
password_encryption = scram-sha-256
EOF
  touch "$MARKER"
}

cluster_system_user() {
  if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

# pg_hba.conf and pg_ident.conf: the two roles over TCP with their passwords, the cluster's
# system user on the socket as the owner, nobody else. Prints "changed" when it rewrote one.
write_access_rules() {
  local hba ident changed=""
  local row='%-6s %-9s %-15s %-13s %s'
  hba=$(
    echo "# Written by scripts/local-postgis.sh; overwritten at every start."
    printf "$row\n" '# TYPE' DATABASE USER ADDRESS METHOD
    printf "$row\n" local all "$OWNER_ROLE" '' 'peer map=cluster_owner'
    printf "$row\n" host all "$OWNER_ROLE" 127.0.0.1/32 scram-sha-256
    printf "$row\n" host all "$SERVICE_ROLE" 127.0.0.1/32 scram-sha-256
    printf "$row\n" host replication "$OWNER_ROLE" 127.0.0.1/32 scram-sha-256
  )
  ident=$(
    echo "# Written by scripts/local-postgis.sh: the system user running the cluster is its owner."
    printf '%-14s %-16s %s\n' '# MAPNAME' SYSTEM-USERNAME PG-USERNAME
    printf '%-14s %-16s %s\n' cluster_owner "$(cluster_system_user)" "$OWNER_ROLE"
  )
  if [ "$(cat "$DATA/pg_hba.conf")" != "$hba" ]; then
    printf '%s\n' "$hba" | as_owner tee "$DATA/pg_hba.conf" >/dev/null
    changed=changed
  fi
  if [ "$(cat "$DATA/pg_ident.conf")" != "$ident" ]; then
    printf '%s\n' "$ident" | as_owner tee "$DATA/pg_ident.conf" >/dev/null
    changed=changed
  fi
  echo "$changed"
}

standby_port() { echo $((PORT + 100 * $1)); }

# Standby N: a copy of the running cluster by pg_basebackup -R (streaming, hot standby), with
# its own port and socket folder.
start_standby() {
  local bindir=$1 n=$2
  local data="$STATE/standby$n" run="$STATE/run-standby$n" log="$STATE/standby$n.log"
  if ! is_running "$bindir"; then
    say "the cluster is not running; start it first"
    exit 1
  fi
  if as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    return 0
  fi
  if [ ! -f "$data/standby.signal" ]; then
    rm -rf "$data"
    mkdir -p "$data"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$data"; fi
    chmod 700 "$data"
    # The password on the environment of the one process (the passfile is the caller's).
    as_owner env PGPASSWORD="$(password_of "$OWNER_ROLE")" "$bindir/pg_basebackup" \
      -h 127.0.0.1 -p "$PORT" -U "$OWNER_ROLE" -D "$data" -R -X stream -c fast
    printf '\n# Standby %s of the Ansvarskartan local cluster\nport = %s\n%s\n%s\n%s\n' \
      "$n" "$(standby_port "$n")" "unix_socket_directories = '$run'" "hot_standby = on" \
      "hot_standby_feedback = on" | as_owner tee -a "$data/postgresql.conf" >/dev/null
  fi
  mkdir -p "$run"
  touch "$log"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$run" "$log"; fi
  rm -f "$data/postmaster.pid"
  if ! as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null; then
    say "standby $n did not start; the end of $log:"
    tail -n 20 "$log" >&2
    exit 1
  fi
  say "standby $n runs on 127.0.0.1:$(standby_port "$n")"
}

random_password() {
  # Hex: nothing that a URL, the passfile or SQL would have to escape.
  od -An -N24 -tx1 /dev/urandom | tr -d ' \n'
}

password_of() {
  if [ -f "$PASSFILE" ]; then
    awk -F: -v role="$1" '$4 == role { print $5; exit }' "$PASSFILE"
  fi
}

# The roles' passwords: kept from the passfile, generated where missing; the file is written
# again (for the current port). Prints the owner's and the service's password.
ensure_passfile() {
  local owner_password service_password
  owner_password=$(password_of "$OWNER_ROLE")
  service_password=$(password_of "$SERVICE_ROLE")
  [ -n "$owner_password" ] || owner_password=$(random_password)
  [ -n "$service_password" ] || service_password=$(random_password)
  (
    umask 077
    # The cluster's port, then its standbys' (they have the primary's roles).
    for port in "$PORT" "$(standby_port 1)" "$(standby_port 2)"; do
      printf '127.0.0.1:%s:*:%s:%s\n' "$port" "$OWNER_ROLE" "$owner_password" \
        "$port" "$SERVICE_ROLE" "$service_password"
    done >"$PASSFILE.new"
  )
  chmod 600 "$PASSFILE.new"
  mv -f "$PASSFILE.new" "$PASSFILE"
  echo "$owner_password $service_password"
}

# psql on the socket as the owner (peer, as the cluster's system user).
owner_psql() {
  local bindir=$1
  shift
  as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN" -p "$PORT" -U "$OWNER_ROLE" "$@"
}

ensure_roles() {
  local bindir=$1 passwords owner_password service_password
  passwords=$(ensure_passfile)
  read -r owner_password service_password <<<"$passwords"
  # On stdin, so that the passwords never show in a process list.
  owner_psql "$bindir" -d postgres >/dev/null <<EOF
SET client_min_messages = warning;
SET password_encryption = 'scram-sha-256';
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$SERVICE_ROLE') AS missing \\gset
\\if :missing
CREATE ROLE $SERVICE_ROLE;
\\endif
ALTER ROLE $SERVICE_ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD '$service_password';
ALTER ROLE $OWNER_ROLE PASSWORD '$owner_password';
EOF
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
    if ! owner_psql "$bindir" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
      as_owner "$bindir/createdb" -h "$RUN" -p "$PORT" -U "$OWNER_ROLE" "$db"
    fi
    owner_psql "$bindir" -d "$db" \
      -c "SET client_min_messages = warning" \
      -c "CREATE EXTENSION IF NOT EXISTS postgis" \
      -c "CREATE EXTENSION IF NOT EXISTS btree_gist" >/dev/null
  done
}

url_encoded() {
  local text=$1 i char out=""
  for ((i = 0; i < ${#text}; i++)); do
    char=${text:i:1}
    case "$char" in
      [A-Za-z0-9/._~-]) out+=$char ;;
      *) out+=$(printf '%%%02X' "'$char") ;;
    esac
  done
  echo "$out"
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
    if [ -n "$(write_access_rules)" ] && is_running "$bindir"; then
      as_owner "$bindir/pg_ctl" -D "$DATA" reload >/dev/null
    fi
    start_cluster "$bindir"
    ensure_roles "$bindir"
    create_databases "$bindir"
    say "PostGIS runs on 127.0.0.1:$PORT (data in ${STATE#"$ROOT"/}/)"
    ;;
  stop)
    if [ ! -f "$DATA/PG_VERSION" ]; then
      say "no local cluster in $DATA"
      exit 0
    fi
    bindir=$(find_bindir) || { say "PostgreSQL binaries not found"; exit 1; }
    # Its standbys first, so they do not keep asking a stopped cluster for WAL.
    for n in 1 2; do
      if [ -f "$STATE/standby$n/PG_VERSION" ] && as_owner "$bindir/pg_ctl" -D "$STATE/standby$n" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$STATE/standby$n" -m fast -w stop >/dev/null
      fi
    done
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
    role=$SERVICE_ROLE
    if [ "${2:-}" = "--owner" ]; then
      role=$OWNER_ROLE
      shift
    fi
    echo "postgresql+psycopg://$role@127.0.0.1:$PORT/${2:-ansvarskartan}?passfile=$(url_encoded "$PASSFILE")"
    ;;
  standby)
    action=${2:-start}
    n=${3:-1}
    case "$n" in 1 | 2) ;; *) say "standby number $n: use 1 or 2"; exit 2 ;; esac
    if [ "$action" = url ]; then
      role=$SERVICE_ROLE
      database=${4:-ansvarskartan}
      if [ "${4:-}" = "--owner" ]; then
        role=$OWNER_ROLE
        database=${5:-ansvarskartan}
      fi
      echo "postgresql+psycopg://$role@127.0.0.1:$(standby_port "$n")/$database?passfile=$(url_encoded "$PASSFILE")"
      exit 0
    fi
    bindir=$(find_bindir) || { say "PostgreSQL binaries not found"; exit 1; }
    data="$STATE/standby$n"
    case "$action" in
      start) start_standby "$bindir" "$n" ;;
      stop | kill | remove)
        mode=fast
        if [ "$action" = kill ]; then mode=immediate; fi
        if [ -f "$data/PG_VERSION" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
          as_owner "$bindir/pg_ctl" -D "$data" -m "$mode" -w stop >/dev/null
        fi
        if [ "$action" = remove ]; then rm -rf "$data" "$STATE/run-standby$n"; fi
        say "standby $n: $action done"
        ;;
      *) say "usage: $0 standby start|stop|kill|remove|url [N] [--owner] [database]"; exit 2 ;;
    esac
    ;;
  *)
    say "usage: $0 start|stop|status|url [--owner] [database] | standby ..."
    exit 2
    ;;
esac
