#!/usr/bin/env bash
# Write the database credentials that `kubectl apply -k` turns into Secret todo-db:
# kubernetes/base/secrets/todo-db.env (git-ignored, mode 0600), with a fresh random password
# from `openssl rand`. An existing file is kept: PostgreSQL sets the password only when it first
# initialises its volume, so changing it under a running database would lock the backend out.
set -euo pipefail

usage() {
  cat <<USAGE
usage: $0 [--force] [--print-path]

Writes kubernetes/base/secrets/todo-db.env with POSTGRES_USER, POSTGRES_PASSWORD (32 random
hex characters from openssl rand) and POSTGRES_DB, unless the file already exists.

  --force       replace an existing file (only before the database volume exists, or after
                changing the password inside PostgreSQL too)
  --print-path  print the file's path and exit

Environment: POSTGRES_USER (default todo), POSTGRES_DB (default todo).
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

user=${POSTGRES_USER:-todo}
db=${POSTGRES_DB:-todo}
for pair in "POSTGRES_USER=$user" "POSTGRES_DB=$db"; do
  if [[ ! ${pair#*=} =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
    echo "generate-secret: ${pair%%=*} must be a lower-case PostgreSQL identifier (got '${pair#*=}')" >&2
    exit 2
  fi
done

if [[ -f $env_file && $force -eq 0 ]]; then
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
} >"$tmp"
mv "$tmp" "$env_file"
trap - EXIT
echo "generate-secret: wrote $env_file (password not shown)"
