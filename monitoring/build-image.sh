#!/usr/bin/env bash
# Build labrun/todo-prometheus:TAG from monitoring/Dockerfile.prometheus (Debian's prometheus
# package). Offline (default) the base is the newest local labrun/base-debian:<hash> that
# docker/build.sh makes from debootstrap; --online uses debian:bookworm-slim from Docker Hub.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: monitoring/build-image.sh [--tag TAG] [--online] [--docker DOCKER]

  --tag TAG        image tag (default dev)
  --online         base on debian:bookworm-slim instead of the local labrun/base-debian
  --docker DOCKER  docker client binary (default: docker). For Minikube, run
                   `eval "$(minikube docker-env)"` first so the image lands in Minikube.
USAGE
}

tag=dev online=0 docker=docker
while (($#)); do
  case "$1" in
    --tag) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; tag=$2; shift ;;
    --online) online=1 ;;
    --docker) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; docker=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build-image: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || { echo "build-image: invalid tag '$tag'" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ((online)); then
  base=debian:bookworm-slim
else
  base_tag=$("$docker" images labrun/base-debian --format '{{.CreatedAt}} {{.Tag}}' | sort -r | awk 'NR == 1 {print $NF}')
  if [[ -z $base_tag ]]; then
    echo "build-image: no local labrun/base-debian image; run docker/build.sh first (it builds it offline) or pass --online" >&2
    exit 1
  fi
  base=labrun/base-debian:$base_tag
fi
echo "build-image: building labrun/todo-prometheus:$tag on $base" >&2
"$docker" build -q -f "$here/Dockerfile.prometheus" --build-arg "PROMETHEUS_BASE=$base" \
  --build-arg "APP_VERSION=$tag" -t "labrun/todo-prometheus:$tag" "$here" >/dev/null
echo "build-image: labrun/todo-prometheus:$tag ready" >&2
