#!/usr/bin/env bash
# Make sure a Docker engine answers: as root on Debian, install docker.io if it is missing and start
# dockerd when no service manager runs it; as anyone else, say what to start. Idempotent; prints
# nothing when the engine already answers.
set -euo pipefail

usage() { echo "usage: $0   (no arguments; installs docker.io if needed and starts dockerd)"; }
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

log=${LABRUN_DOCKERD_LOG:-/var/log/labrun-dockerd.log}

if docker info >/dev/null 2>&1; then exit 0; fi

# Only root on Debian installs and starts the engine; anyone else is told what to do.
if [ "$(id -u)" -ne 0 ] || [ ! -f /etc/debian_version ]; then
  user=$(id -un)
  echo "ensure-docker: no Docker engine answers for $user ($(docker info 2>&1 | tail -n 1))." >&2
  if [ "$(uname -s)" = Darwin ]; then
    echo "  Start Docker Desktop (or colima), then try again." >&2
  else
    echo "  Start the engine (\`sudo systemctl start docker\`, or Docker Desktop), and make sure $user may use it:" >&2
    echo "  \`sudo usermod -aG docker $user\` then log in again (or use rootless Docker and set DOCKER_HOST)." >&2
  fi
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: installing Debian's docker.io" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq docker.io >/dev/null
fi

# The host's engine by its pid file: the bare cluster's extra nodes run dockerd processes of their own.
if ! { [ -f /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; }; then
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
