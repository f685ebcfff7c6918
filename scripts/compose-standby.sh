#!/usr/bin/env bash
# For docker-compose.yml: the standby's entry point. On an empty volume it copies the primary
# with pg_basebackup -R (streaming replication, hot standby), then runs PostgreSQL as the
# image's postgres user; on a volume that has the copy it only starts it.
set -euo pipefail
: "${REPLICATION_ROLE_PASSWORD:?the password of the replication role is missing}"
: "${PRIMARY_HOST:=db}"
mkdir -p "$PGDATA"
chown postgres:postgres "$PGDATA"
chmod 700 "$PGDATA"
if [ ! -f "$PGDATA/standby.signal" ]; then
  until gosu postgres pg_isready -h "$PRIMARY_HOST" -p 5432 -q; do sleep 1; done
  rm -rf "${PGDATA:?}"/*
  # The password on this one process's environment, never on a command line.
  gosu postgres env PGPASSWORD="$REPLICATION_ROLE_PASSWORD" pg_basebackup \
    -h "$PRIMARY_HOST" -p 5432 -U ansvar_replikering -D "$PGDATA" -R -X stream -c fast
fi
exec gosu postgres postgres -c hot_standby=on -c hot_standby_feedback=on
