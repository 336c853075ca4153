#!/usr/bin/env bash
# Write the database credentials that `kubectl apply -k` turns into Secret todo-db:
# kubernetes/base/secrets/todo-db.env (git-ignored, mode 0600), three roles with fresh random
# passwords from `openssl rand`: the superuser (POSTGRES_*; used by PostgreSQL's entrypoint only),
# the application (APP_DB_*; the backend) and a read-only role (READER_DB_*; labrun's SQL
# assertions and write ledger). docker/postgres/initdb/10-roles.sh creates the last two. An
# existing file is kept: PostgreSQL sets the passwords only when it first initialises its volume,
# so changing them under a running database would lock the backend out.
set -euo pipefail

usage() {
  cat <<USAGE
usage: $0 [--force] [--print-path]

Writes kubernetes/base/secrets/todo-db.env, unless the file already exists, with
  POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB   the superuser (the database's entrypoint only)
  APP_DB_USER, APP_DB_PASSWORD                    the backend's role (owns its tables, nothing else)
  READER_DB_USER, READER_DB_PASSWORD              labrun's read-only role (its SQL checks)
Passwords are 32 random hex characters from openssl rand.

  --force       replace an existing file (only before the database volume exists, or after
                changing the password inside PostgreSQL too)
  --print-path  print the file's path and exit

Environment: POSTGRES_USER (default postgres), POSTGRES_DB (default todo), APP_DB_USER
(default todo), READER_DB_USER (default labrun_reader).
USAGE
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
env_file=$here/base/secrets/todo-db.env
force=0
while (($#)); do
  case "$1" in
    --force) force=1 ;;
    --print-path) echo "$env_file"; exit 0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "generate-secret: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-todo}
app=${APP_DB_USER:-todo}
reader=${READER_DB_USER:-labrun_reader}
for pair in "POSTGRES_USER=$user" "POSTGRES_DB=$db" "APP_DB_USER=$app" "READER_DB_USER=$reader"; do
  if [[ ! ${pair#*=} =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
    echo "generate-secret: ${pair%%=*} must be a lower-case PostgreSQL identifier (got '${pair#*=}')" >&2
    exit 2
  fi
done

if [[ $user == "$app" || $user == "$reader" || $app == "$reader" ]]; then
  echo "generate-secret: POSTGRES_USER, APP_DB_USER and READER_DB_USER must be three different roles" >&2
  exit 2
fi

if [[ -f $env_file && $force -eq 0 ]]; then
  if ! grep -q '^READER_DB_USER=' "$env_file"; then
    echo "generate-secret: $env_file was written by an older version: one superuser for everything, no application" >&2
    echo "  or read-only role. Replace it with --force, and remove any database volume made with it (labrun down)," >&2
    echo "  since PostgreSQL creates the roles only when it initialises an empty volume." >&2
    exit 1
  fi
  echo "generate-secret: keeping existing $env_file (use --force to replace it)"
  exit 0
fi
command -v openssl >/dev/null 2>&1 || { echo "generate-secret: openssl is missing (apt-get install openssl)" >&2; exit 1; }

mkdir -p "$(dirname "$env_file")"
tmp=$(mktemp "$env_file.XXXXXX")
trap 'rm -f "$tmp"' EXIT
chmod 600 "$tmp"
{
  echo "POSTGRES_USER=$user"
  echo "POSTGRES_PASSWORD=$(openssl rand -hex 16)"
  echo "POSTGRES_DB=$db"
  echo "APP_DB_USER=$app"
  echo "APP_DB_PASSWORD=$(openssl rand -hex 16)"
  echo "READER_DB_USER=$reader"
  echo "READER_DB_PASSWORD=$(openssl rand -hex 16)"
} >"$tmp"
mv "$tmp" "$env_file"
trap - EXIT
echo "generate-secret: wrote $env_file (passwords not shown)"
