#!/bin/sh
# Starts nginx for the todo frontend: checks BACKEND_URL, waits until its host name resolves
# (Compose service or Kubernetes Service name), writes the config under /tmp and runs nginx in the
# foreground. nginx resolves the name once, at start, like any upstream.
set -eu

url=${BACKEND_URL:-}
timeout=${BACKEND_RESOLVE_TIMEOUT:-60}
case "$url" in
  http://*) hostport=${url#http://} ;;
  *) echo "frontend: BACKEND_URL must look like http://HOST:PORT, got '${url}'" >&2; exit 2 ;;
esac
hostport=${hostport%%/*}
case "$hostport" in
  "" | *[!A-Za-z0-9.:_-]*) echo "frontend: BACKEND_URL has an invalid host:port '${hostport}'" >&2; exit 2 ;;
  *:*) host=${hostport%:*} ;;
  *) host=$hostport; hostport="$hostport:80" ;;
esac

waited=0
until getent hosts "$host" >/dev/null 2>&1; do
  if [ "$waited" -ge "$timeout" ]; then
    echo "frontend: backend host '$host' did not resolve within ${timeout}s; check BACKEND_URL and DNS" >&2
    exit 1
  fi
  [ "$waited" -eq 0 ] && echo "frontend: waiting for '$host' to resolve" >&2
  sleep 1
  waited=$((waited + 1))
done

mkdir -p /tmp/nginx
sed "s|__BACKEND__|$hostport|g" /etc/labrun/nginx.conf.template >/tmp/nginx/nginx.conf
nginx -t -q -e stderr -c /tmp/nginx/nginx.conf
echo "frontend: proxying /api to $hostport" >&2
exec nginx -e stderr -c /tmp/nginx/nginx.conf -g 'daemon off;' "$@"
