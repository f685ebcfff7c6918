#!/usr/bin/env bash
# For docker-compose.yml: run once by the primary's PostGIS image when its volume is new. It
# creates the role the standby streams WAL as (REPLICATION, nothing else) and lets it connect
# for replication from the compose network, with its password (scram-sha-256).
set -euo pipefail
: "${REPLICATION_ROLE_PASSWORD:?the password of the replication role is missing}"
sql="\\getenv password REPLICATION_ROLE_PASSWORD
SET password_encryption = 'scram-sha-256';
CREATE ROLE ansvar_replikering LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE
  PASSWORD :'password';"
printf '%s\n' "$sql" | psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB"
echo "host replication ansvar_replikering all scram-sha-256" >>"$PGDATA/pg_hba.conf"
