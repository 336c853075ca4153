#!/usr/bin/env bash
# TLS for every connection from another host, set up once when the entrypoint initialises an empty
# volume: a self-signed certificate and key made here (openssl, 2048-bit RSA, 10 years) in PGDATA,
# `ssl = on`, and pg_hba's network rule turned into `hostssl`, so a client that will not speak TLS
# is refused. Connections inside the pod (the Unix socket, 127.0.0.1 for the probes) are unchanged.
# The certificate is not signed by anyone a client knows: traffic is encrypted, the server is not
# authenticated (libpq's sslmode=require, which is what `prefer` becomes here). POSTGRES_TLS=off
# leaves TLS off. The key never leaves PGDATA (mode 0600).
set -Eeuo pipefail

if [ "${POSTGRES_TLS:-on}" = off ]; then
  echo "20-tls: POSTGRES_TLS=off; connections stay unencrypted" >&2
  exit 0
fi
command -v openssl >/dev/null 2>&1 || { echo "20-tls: openssl is missing; TLS cannot be set up (set POSTGRES_TLS=off to go without)" >&2; exit 1; }
: "${PGDATA:?}"
umask 077
openssl req -new -x509 -days 3650 -nodes -newkey rsa:2048 -subj "/CN=${POSTGRES_TLS_NAME:-postgres}" \
  -keyout "$PGDATA/server.key" -out "$PGDATA/server.crt" >/dev/null 2>&1
chmod 600 "$PGDATA/server.key"
sed -i 's/^host all all all /hostssl all all all /' "$PGDATA/pg_hba.conf"
psql -v ON_ERROR_STOP=1 --no-psqlrc -q --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}" \
  -c "ALTER SYSTEM SET ssl = on"
echo "20-tls: TLS on (self-signed certificate); connections from other hosts must use it" >&2
