#!/usr/bin/env bash
# First start: initdb with POSTGRES_USER (default postgres) and POSTGRES_PASSWORD (required),
# then POSTGRES_DB (default: the user) created, and, when READER_DB_USER and READER_DB_PASSWORD
# are set, a read-only role for labrun's SQL checks (SELECT on the tables POSTGRES_USER creates,
# transactions read-only; labrun refuses to run its SQL as a superuser). Every start: exec postgres. Never prints the
# password. Arguments are passed to postgres (e.g. -c log_connections=on).
set -euo pipefail

log() { echo "orders-db: $*" >&2; }

if [ "$(id -u)" = 0 ]; then log "refusing to run as root; run as uid 999"; exit 2; fi
: "${PGDATA:=/var/lib/postgresql/data/pgdata}"
export PGDATA

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then log "POSTGRES_PASSWORD is not set; the database cannot be initialised"; exit 1; fi
  # Plain identifiers only, so they need no quoting in SQL or on a command line.
  for name in "$user" "$db"; do
    [[ $name =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { log "'$name' is not a lower-case PostgreSQL identifier"; exit 1; }
  done
  log "initialising $PGDATA for user $user, database $db"
  # Built beside the target and renamed when complete: a start interrupted half-way starts over
  # instead of finding a PG_VERSION in a directory that lacks the database.
  work=$PGDATA.init
  rm -rf "$work"
  pwfile=$(mktemp)
  trap 'rm -f "$pwfile"' EXIT
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$work" --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  printf "\nhost all all all scram-sha-256\n" >>"$work/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >>"$work/postgresql.conf"
  if [ "$db" != postgres ]; then
    # Single-user mode: no server, no socket, no port open before the database exists.
    echo "CREATE DATABASE $db OWNER $user" | postgres --single -D "$work" postgres >/dev/null
  fi
  if [ -n "${READER_DB_USER:-}" ]; then
    reader=$READER_DB_USER
    [[ $reader =~ ^[a-z_][a-z0-9_]{0,62}$ && $reader != "$user" ]] || { log "READER_DB_USER '$reader' is not a lower-case identifier other than $user"; exit 1; }
    # Quoted in SQL below: letters, digits and dashes only (generate-secret.sh writes hex).
    [[ ${READER_DB_PASSWORD:-} =~ ^[A-Za-z0-9-]{16,}$ ]] || { log "READER_DB_PASSWORD must be 16 or more letters, digits or dashes"; exit 1; }
    # One statement per line (single-user mode); the password goes through stdin, never a command line.
    printf '%s\n' \
      "CREATE ROLE $reader LOGIN PASSWORD '$READER_DB_PASSWORD' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION" \
      "ALTER ROLE $reader SET default_transaction_read_only = on" \
      "GRANT USAGE ON SCHEMA public TO $reader" \
      "ALTER DEFAULT PRIVILEGES FOR ROLE $user IN SCHEMA public GRANT SELECT ON TABLES TO $reader" \
      | postgres --single -D "$work" "$db" >/dev/null
    log "created the read-only role $reader"
  fi
  rmdir "$PGDATA" 2>/dev/null || true
  mv -T "$work" "$PGDATA"
  log "initialised"
fi

exec postgres -D "$PGDATA" "$@"
