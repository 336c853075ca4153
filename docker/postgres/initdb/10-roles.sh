#!/usr/bin/env bash
# Least-privilege roles, created once, when the entrypoint initialises an empty volume
# (/docker-entrypoint-initdb.d; the server then listens on its Unix socket only):
#   APP_DB_USER / APP_DB_PASSWORD        the application: logs in, owns schema public and the
#                                        tables it creates there; no superuser, no CREATEDB or
#                                        CREATEROLE, nothing on other databases.
#   READER_DB_USER / READER_DB_PASSWORD  labrun's SQL assertions and write ledger: logs in, SELECT on
#                                        the application's tables (default privileges), every
#                                        transaction read-only, statements cut off after 30 s.
# Neither may run programs or touch server files (COPY … TO PROGRAM, lo_export): those need a
# superuser or pg_execute_server_program / pg_*_server_files, which neither gets. POSTGRES_USER
# stays the superuser, for the entrypoint and for people with a shell in the pod only.
# Without APP_DB_USER and READER_DB_USER it does nothing (the image's old single-role behaviour).
# Passwords reach psql through the environment (\getenv), never a command line.
set -Eeuo pipefail

if [ -z "${APP_DB_USER:-}" ] && [ -z "${READER_DB_USER:-}" ]; then
  echo "10-roles: APP_DB_USER and READER_DB_USER are not set; no roles created" >&2
  exit 0
fi
for var in APP_DB_USER APP_DB_PASSWORD READER_DB_USER READER_DB_PASSWORD; do
  if [ -z "${!var:-}" ]; then echo "10-roles: $var is not set" >&2; exit 1; fi
done
for name in "$APP_DB_USER" "$READER_DB_USER"; do
  [[ $name =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { echo "10-roles: '$name' is not a lower-case PostgreSQL identifier" >&2; exit 1; }
done
if [ "$APP_DB_USER" = "$READER_DB_USER" ] || [ "$APP_DB_USER" = "${POSTGRES_USER:-postgres}" ] || [ "$READER_DB_USER" = "${POSTGRES_USER:-postgres}" ]; then
  echo "10-roles: POSTGRES_USER, APP_DB_USER and READER_DB_USER must be three different roles" >&2; exit 1
fi

psql -v ON_ERROR_STOP=1 --no-psqlrc -q --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}" \
  -v app="$APP_DB_USER" -v reader="$READER_DB_USER" <<'SQL'
\getenv app_password APP_DB_PASSWORD
\getenv reader_password READER_DB_PASSWORD
SELECT current_database() AS db \gset
CREATE ROLE :"app" LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE ROLE :"reader" LOGIN PASSWORD :'reader_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app", :"reader";
ALTER SCHEMA public OWNER TO :"app";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"reader";
ALTER DEFAULT PRIVILEGES FOR ROLE :"app" IN SCHEMA public GRANT SELECT ON TABLES TO :"reader";
ALTER ROLE :"reader" SET default_transaction_read_only = on;
ALTER ROLE :"reader" SET statement_timeout = '30s';
SQL
echo "10-roles: created $APP_DB_USER (application) and $READER_DB_USER (read-only)" >&2
