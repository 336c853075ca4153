#!/usr/bin/env bash
# Write deploy/secrets/db.env, which deploy/kustomization.yaml turns into Secret
# orders-db-credentials: POSTGRES_USER, POSTGRES_PASSWORD (32 random hex characters from
# openssl rand) and POSTGRES_DB. The file is git-ignored and mode 0600. An existing file is kept:
# PostgreSQL takes the password only when it first initialises its volume, so a new password
# under an existing database would lock the API out.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: examples/orders/generate-secret.sh [--force] [--print-path]

Writes deploy/secrets/db.env (next to this script) unless it exists.

  --force       replace an existing file (only before the database volume exists)
  --print-path  print the file's path and exit
  -h, --help    show this help

Writes POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB (the API's role) and READER_DB_USER,
READER_DB_PASSWORD (the read-only role labrun's SQL checks log in as).

Environment: POSTGRES_USER (default orders), POSTGRES_DB (default orders), READER_DB_USER
(default orders_reader).
USAGE
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
env_file=$here/deploy/secrets/db.env
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --print-path) echo "$env_file"; exit 0 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "generate-secret.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

user=${POSTGRES_USER:-orders}
db=${POSTGRES_DB:-orders}
reader=${READER_DB_USER:-orders_reader}
for name in "$user" "$db" "$reader"; do
  [[ $name =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || {
    echo "generate-secret.sh: '$name' is not a lower-case PostgreSQL identifier" >&2
    exit 2
  }
done

if [ -f "$env_file" ] && [ "$force" = 0 ]; then
  if ! grep -q '^READER_DB_USER=' "$env_file"; then
    echo "generate-secret.sh: $env_file has no read-only role (an older version wrote it); replace it with --force" >&2
    echo "  and remove any database volume made with it, since the role is created when the volume is initialised." >&2
    exit 1
  fi
  echo "generate-secret.sh: keeping $env_file (--force replaces it)"
  exit 0
fi
command -v openssl >/dev/null 2>&1 || { echo "generate-secret.sh: openssl is missing (apt-get install openssl)" >&2; exit 1; }

mkdir -p "$(dirname "$env_file")"
# Written under a temporary name with mode 0600 from the start, then renamed: never a moment
# when the password is readable by others, nor a half-written file under the real name.
tmp=$(umask 077 && mktemp "$env_file.XXXXXX")
trap 'rm -f "$tmp"' EXIT
password=$(openssl rand -hex 16)
printf 'POSTGRES_USER=%s\nPOSTGRES_PASSWORD=%s\nPOSTGRES_DB=%s\nREADER_DB_USER=%s\nREADER_DB_PASSWORD=%s\n' \
  "$user" "$password" "$db" "$reader" "$(openssl rand -hex 16)" >"$tmp"
mv "$tmp" "$env_file"
trap - EXIT
echo "generate-secret.sh: wrote $env_file (password not shown)"
