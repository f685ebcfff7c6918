#!/usr/bin/env bash
# For docker-compose.yml: the PostGIS image runs this once, when its data volume is new, as its
# bootstrap superuser (the schema's owner). It creates the role the service connects as: no
# superuser, no databases or roles of its own; `ansvarskartan migrate` grants it the tables.
set -euo pipefail
: "${SERVICE_ROLE_PASSWORD:?the password of the service role is missing}"
# psql reads the password from the environment and quotes it, so it is on no command line.
sql="\\getenv password SERVICE_ROLE_PASSWORD
SET password_encryption = 'scram-sha-256';
CREATE ROLE ansvar_service LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'password';"
printf '%s\n' "$sql" | psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB"
