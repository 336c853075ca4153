#!/usr/bin/env bash
# Measure the backend's throughput on one replica with wrk, against the compose stack.
# Brings up compose project labrun-bench on free loopback ports, seeds 50 tasks, runs wrk for a
# bounded time on GET and POST /api/tasks (direct to the backend, then through nginx), prints
# requests/s and p99 latency, and always takes the project down (volumes too).
#
# usage: docker/bench/wrk.sh [DURATION (default 10s)] [CONNECTIONS (default 32)]
set -euo pipefail
duration=${1:-10s}
connections=${2:-32}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
compose=(docker-compose -f "$here/../docker-compose.yml" -p labrun-bench)
command -v wrk >/dev/null 2>&1 || apt-get -o DPkg::Lock::Timeout=600 install -y -qq wrk >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
BACKEND_PORT=$(free_port); FRONTEND_PORT=$(free_port)
random() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
POSTGRES_PASSWORD=$(random); APP_DB_PASSWORD=$(random); READER_DB_PASSWORD=$(random)
export BACKEND_PORT FRONTEND_PORT POSTGRES_PASSWORD APP_DB_PASSWORD READER_DB_PASSWORD
trap '"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true' EXIT
"${compose[@]}" up -d >/dev/null 2>&1
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$FRONTEND_PORT/api/tasks" >/dev/null 2>&1 && break
  sleep 0.5
done
for i in $(seq 1 50); do
  curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -d "{\"title\":\"seed $i\"}" \
    "http://127.0.0.1:$BACKEND_PORT/api/tasks"
done

measure() { # measure LABEL URL [wrk args]
  local label=$1 url=$2; shift 2
  local out rps p99 errors
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency "$@" "$url")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '| %-34s | %9s | %8s | %6s |\n' "$label" "$rps" "$p99" "${errors:-0}"
}
echo "wrk -t2 -c$connections -d$duration --latency; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-34s | %9s | %8s | %6s |\n' "endpoint" "req/s" "p99" "non-2xx"
printf '| %-34s | %9s | %8s | %6s |\n' "---" "---" "---" "---"
measure "GET /api/tasks (backend)" "http://127.0.0.1:$BACKEND_PORT/api/tasks"
measure "POST /api/tasks (backend)" "http://127.0.0.1:$BACKEND_PORT/api/tasks" -s "$here/post-task.lua"
measure "GET /api/tasks (through nginx)" "http://127.0.0.1:$FRONTEND_PORT/api/tasks"
measure "POST /api/tasks (through nginx)" "http://127.0.0.1:$FRONTEND_PORT/api/tasks" -s "$here/post-task.lua"
measure "GET /healthz (backend, no DB)" "http://127.0.0.1:$BACKEND_PORT/healthz"
