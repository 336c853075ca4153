#!/usr/bin/env bash
# Write the secrets that `kubectl apply -k` turns into Secrets (git-ignored files, mode 0600, fresh
# random values from `openssl rand`):
#   kubernetes/base/secrets/todo-db.env    Secret todo-db: three roles: the superuser (POSTGRES_*;
#       PostgreSQL's entrypoint only), the application (APP_DB_*; the backend) and a read-only role
#       (READER_DB_*; labrun's SQL assertions and write ledger). docker/postgres/initdb/10-roles.sh
#       creates the last two.
#   kubernetes/base/secrets/todo-auth.env  Secret todo-auth: JWT_SECRET, the HS256 key the backend
#       verifies users' tokens with (shared with the app's auth service; labrun mints its tokens
#       from it).
#   kubernetes/base/secrets/todo-model.env  Secret todo-model: MODEL_API_KEY, the key the backend
#       sends to the model provider; in the lab the model service (the stand-in for the external
#       provider) checks it.
#   kubernetes/base/secrets/todo-model-control.env  Secret todo-model-control: MODEL_CONTROL_TOKEN,
#       the token of the stand-in's fault control. Only the model service and the harness read it:
#       the backend (the system under test) must not be able to change the faults it is tested
#       against, so it is a Secret of its own, and it must differ from MODEL_API_KEY (the model
#       service refuses to start otherwise).
# An existing file is kept: PostgreSQL sets the passwords only when it first initialises its volume,
# so changing them under a running database would lock the backend out; a new JWT_SECRET would
# sign every user out. Each file is written independently, so an older clone gains the new ones
# without touching the others.
set -euo pipefail

usage() {
  cat <<USAGE
usage: $0 [--force] [--print-path]

Writes each file below that does not exist yet:
kubernetes/base/secrets/todo-db.env (Secret todo-db) with
  POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB   the superuser (the database's entrypoint only)
  APP_DB_USER, APP_DB_PASSWORD                    the backend's role (owns its tables, nothing else)
  READER_DB_USER, READER_DB_PASSWORD              labrun's read-only role (its SQL checks)
kubernetes/base/secrets/todo-auth.env (Secret todo-auth) with
  JWT_SECRET                                      the HS256 key of users' tokens (64 hex characters)
kubernetes/base/secrets/todo-model.env (Secret todo-model) with
  MODEL_API_KEY                                   the backend's key to the model provider; in the lab
                                                  the model service (stand-in) checks it (64 hex)
kubernetes/base/secrets/todo-model-control.env (Secret todo-model-control) with
  MODEL_CONTROL_TOKEN                             the stand-in's fault-control token, for the harness
                                                  only; never equal to MODEL_API_KEY (64 hex)
Passwords are 32 random hex characters from openssl rand.

  --force       replace existing files (the database's only before its volume exists, or after
                changing the password inside PostgreSQL too; a new JWT_SECRET signs everyone out;
                new model keys take effect when the backend and the model service restart)
  --print-path  print the database file's path and exit

Environment: POSTGRES_USER (default postgres), POSTGRES_DB (default todo), APP_DB_USER
(default todo), READER_DB_USER (default labrun_reader).
USAGE
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
env_file=$here/base/secrets/todo-db.env
auth_file=$here/base/secrets/todo-auth.env
model_file=$here/base/secrets/todo-model.env
control_file=$here/base/secrets/todo-model-control.env
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

write_db=1 write_auth=1 write_model=1 write_control=1
if [[ -f $env_file && $force -eq 0 ]]; then
  if ! grep -q '^READER_DB_USER=' "$env_file"; then
    echo "generate-secret: $env_file was written by an older version: one superuser for everything, no application" >&2
    echo "  or read-only role. Replace it with --force, and remove any database volume made with it (labrun down)," >&2
    echo "  since PostgreSQL creates the roles only when it initialises an empty volume." >&2
    exit 1
  fi
  echo "generate-secret: keeping existing $env_file (use --force to replace it)"
  write_db=0
fi
if [[ -f $auth_file && $force -eq 0 ]]; then
  echo "generate-secret: keeping existing $auth_file (use --force to replace it)"
  write_auth=0
fi
if [[ -f $model_file && $force -eq 0 ]]; then
  echo "generate-secret: keeping existing $model_file (use --force to replace it)"
  write_model=0
fi
if [[ -f $control_file && $force -eq 0 ]]; then
  echo "generate-secret: keeping existing $control_file (use --force to replace it)"
  write_control=0
fi
# The model service refuses a control token equal to the key (the backend must not hold the fault
# control). Fresh random values never are; a hand-edited pair may be. Compared, never printed.
check_model_pair() {
  [[ -f $model_file && -f $control_file ]] || return 0
  if [[ $(sed -n 's/^MODEL_API_KEY=//p' "$model_file") == "$(sed -n 's/^MODEL_CONTROL_TOKEN=//p' "$control_file")" ]]; then
    echo "generate-secret: MODEL_API_KEY ($model_file) and MODEL_CONTROL_TOKEN ($control_file) are equal;" >&2
    echo "  the model service refuses that. Delete $control_file and run this again." >&2
    exit 1
  fi
}
if ! ((write_db || write_auth || write_model || write_control)); then
  check_model_pair
  exit 0
fi
command -v openssl >/dev/null 2>&1 || { echo "generate-secret: openssl is missing (apt-get install openssl)" >&2; exit 1; }

tmp=""
trap 'rm -f "$tmp"' EXIT
# write_file PATH DESCRIPTION: the lines on stdin become PATH (mode 0600), replaced atomically.
write_file() {
  mkdir -p "$(dirname "$1")"
  tmp=$(mktemp "$1.XXXXXX")
  chmod 600 "$tmp"
  cat >"$tmp"
  mv "$tmp" "$1"
  tmp=""
  echo "generate-secret: wrote $1 ($2 not shown)"
}

if ((write_db)); then
  write_file "$env_file" passwords <<ENV
POSTGRES_USER=$user
POSTGRES_PASSWORD=$(openssl rand -hex 16)
POSTGRES_DB=$db
APP_DB_USER=$app
APP_DB_PASSWORD=$(openssl rand -hex 16)
READER_DB_USER=$reader
READER_DB_PASSWORD=$(openssl rand -hex 16)
ENV
fi
if ((write_auth)); then
  # 32 random bytes: the size of HS256's hash, the least RFC 7518 allows (the backend refuses less).
  write_file "$auth_file" "the secret" <<ENV
JWT_SECRET=$(openssl rand -hex 32)
ENV
fi
if ((write_model)); then
  write_file "$model_file" "the key" <<ENV
MODEL_API_KEY=$(openssl rand -hex 32)
ENV
fi
if ((write_control)); then
  write_file "$control_file" "the token" <<ENV
MODEL_CONTROL_TOKEN=$(openssl rand -hex 32)
ENV
fi
check_model_pair
