#!/usr/bin/env bash
# Measure the backend's throughput on one replica with wrk, against the compose stack.
# Brings up compose project labrun-bench on free loopback ports, seeds 50 tasks, runs wrk for a
# bounded time on GET and POST /api/bench/tasks (direct to the backend, then through nginx) as user
# "bench" with a token from the lab's stand-in sign-in (on in compose), prints requests/s and p99
# latency, and always takes the project down (volumes too).
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
POSTGRES_PASSWORD=$(random); APP_DB_PASSWORD=$(random); READER_DB_PASSWORD=$(random); JWT_SECRET=$(random)$(random)$(random)
export BACKEND_PORT FRONTEND_PORT POSTGRES_PASSWORD APP_DB_PASSWORD READER_DB_PASSWORD JWT_SECRET
trap '"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true' EXIT
"${compose[@]}" up -d >/dev/null 2>&1
token=""
for _ in $(seq 1 120); do
  token=$(curl -fsS -X POST -H 'Content-Type: application/json' -d '{"user_id":"bench"}' \
    "http://127.0.0.1:$FRONTEND_PORT/api/auth/lab-sign-in" 2>/dev/null \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' 2>/dev/null) && break
  sleep 0.5
done
[ -n "$token" ] || { echo "wrk.sh: the stack never answered the lab sign-in" >&2; exit 1; }
auth="Authorization: Bearer $token"
tasks=/api/bench/tasks
for i in $(seq 1 50); do
  curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -H "$auth" -d "{\"title\":\"seed $i\"}" \
    "http://127.0.0.1:$BACKEND_PORT$tasks"
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
measure "GET $tasks (backend)" "http://127.0.0.1:$BACKEND_PORT$tasks" -H "$auth"
measure "POST $tasks (backend)" "http://127.0.0.1:$BACKEND_PORT$tasks" -H "$auth" -s "$here/post-task.lua"
measure "GET $tasks (through nginx)" "http://127.0.0.1:$FRONTEND_PORT$tasks" -H "$auth"
measure "POST $tasks (through nginx)" "http://127.0.0.1:$FRONTEND_PORT$tasks" -H "$auth" -s "$here/post-task.lua"
measure "GET /healthz (backend, no DB)" "http://127.0.0.1:$BACKEND_PORT/healthz"
