#!/usr/bin/env bash
# Make sure a Docker engine answers: install Debian's docker.io if it is missing and start dockerd
# when no service manager runs it. Idempotent; prints nothing when the engine already answers.
set -euo pipefail

usage() { echo "usage: $0   (no arguments; installs docker.io if needed and starts dockerd)"; }
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

log=${LABRUN_DOCKERD_LOG:-/var/log/labrun-dockerd.log}

if docker info >/dev/null 2>&1; then exit 0; fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: installing Debian's docker.io" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq docker.io >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "ensure-docker: starting dockerd (log: $log)" >&2
  nohup dockerd >"$log" 2>&1 &
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then exit 0; fi
  sleep 0.5
done
echo "ensure-docker: dockerd did not answer within 30 s; its log is $log:" >&2
tail -n 20 "$log" >&2 || true
exit 1
