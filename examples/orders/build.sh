#!/usr/bin/env bash
# Build the orders stack's images offline: no registry, no Go proxy, only Debian packages and the
# local Docker engine.
#
#   1. orders-api's static Go binary, built on the host (GOPATH mode, lib/pq from Debian's
#      golang-github-lib-pq-dev);
#   2. a Debian bookworm base image of this example's own (debootstrap --variant=minbase + docker
#      import), tagged with the hash of images/base/rootfs.sh and built only when that tag is
#      missing. (docker/build.sh has no "bases only" mode, and this stack shares nothing with the
#      todo stack, so it does not borrow the todo stack's base.)
#   3. labrun-example/orders-api:TAG and labrun-example/orders-db:TAG from images/.
#
# labrun runs it once per image with the image's content hash as the tag (labrun.yaml).
# Measured on the 2-core lab machine: base 1-2 min once (debootstrap), Go binary ~10 s cold,
# orders-db ~1 min the first time (apt-get install postgresql-15 in docker build), seconds after.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: examples/orders/build.sh [--tag TAG] [--only api|db]... [--no-cache]

Builds labrun-example/orders-api:TAG and labrun-example/orders-db:TAG offline.

  --tag TAG      image tag (default: dev); also baked in as the images' version label
  --only NAME    build only this image: api or db; repeatable (default: both)
  --no-cache     rebuild everything: the Debian base (debootstrap again), the Go binary and
                 every docker layer
  -h, --help     show this help

Needs root for debootstrap (only when the base image is missing), a running Docker engine, and
Go (apt-get install golang-go golang-github-lib-pq-dev; installed here when missing and root).
Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian) for the base.
USAGE
}

die() { echo "build.sh: error: $*" >&2; exit 1; }

tag=dev
no_cache=0
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) [ $# -ge 2 ] || die "--tag needs a value"; tag=$2; shift 2 ;;
    --tag=*) tag=${1#*=}; shift ;;
    --only) [ $# -ge 2 ] || die "--only needs a value"; only+=("$2"); shift 2 ;;
    --only=*) only+=("${1#*=}"); shift ;;
    --no-cache) no_cache=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "invalid tag '$tag' (letters, digits, _ . -; at most 128)"
if [ ${#only[@]} -eq 0 ]; then only=(api db); fi
for name in "${only[@]}"; do
  case "$name" in api | db) ;; *) die "--only takes api or db, not '$name'" ;; esac
done
wants() { local n; for n in "${only[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
started=$(date +%s)
step_start=0
step() { step_start=$(date +%s); printf '==> %s\n' "$*"; }
done_step() { printf '    done in %ss%s\n' "$(($(date +%s) - step_start))" "${1:+ ($1)}"; }

logdir=$(mktemp -d /tmp/orders-build.XXXXXX)
stage=$(mktemp -d /tmp/orders-context.XXXXXX)
trap 'rm -rf "$stage"' EXIT

run_logged() { # run_logged NAME CMD... : quiet on success; on failure the command, its log's tail
  local log=$logdir/$1.log; shift
  if ! "$@" >"$log" 2>&1; then
    echo "build.sh: command failed: $*" >&2
    tail -n 30 "$log" >&2
    die "full log: $log"
  fi
}

apt_install() { # apt_install PACKAGE... : those missing, as root only
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}; run: sudo apt-get install -y ${missing[*]}"
  echo "    installing ${missing[*]} (apt)"
  run_logged apt-update apt-get -o DPkg::Lock::Timeout=600 update
  run_logged apt-install apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
}

# ---- Docker ------------------------------------------------------------------------------------
docker info >/dev/null 2>&1 || die "no Docker engine answers (is dockerd running? try: dockerd >/var/log/dockerd.log 2>&1 &)"
image_exists() { [ "$no_cache" = 0 ] && docker image inspect "$1" >/dev/null 2>&1; }
docker_build() { # docker_build NAME ARGS... ; the classic builder: BuildKit may want a registry
  local cache=()
  if [ "$no_cache" = 1 ]; then cache=(--no-cache); fi
  DOCKER_BUILDKIT=0 run_logged "docker-$1" docker build ${cache[@]+"${cache[@]}"} "${@:2}"
}

# ---- 1. The Go binary --------------------------------------------------------------------------
if wants api; then
  step "orders-api binary (Go, GOPATH mode, offline)"
  apt_install golang-go golang-github-lib-pq-dev
  # A cache directory even where HOME is unset (as under some CI runners and service managers).
  gocache=${GOCACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/go-build}
  go_flags=(-trimpath -buildvcs=false -ldflags=-s\ -w)
  if [ "$no_cache" = 1 ]; then go_flags+=(-a); fi
  mkdir -p "$stage/api"
  (cd "$here/app" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS='' GOCACHE=$gocache CGO_ENABLED=0 \
    run_logged go-build go build "${go_flags[@]}" -o "$stage/api/orders-api" .)
  done_step "$(($(stat -c %s "$stage/api/orders-api") / 1000000)) MB, static"
fi

# ---- 2. The Debian base ------------------------------------------------------------------------
base_key=$(sha256sum <"$here/images/base/rootfs.sh" | cut -c1-16)
base=labrun-example/orders-base:$base_key
step "base image $base"
# labrun may build both images at once: one debootstrap, the other waits for it.
exec 9>"/tmp/labrun-example-orders-base.lock"
flock 9
if image_exists "$base"; then
  done_step cached
else
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  [ "$(id -u)" = 0 ] || die "building $base needs root (debootstrap); run once as root: sudo $0 --only db"
  run_logged debootstrap "$here/images/base/rootfs.sh" "$stage/rootfs.tar"
  run_logged import docker import -c 'CMD ["/bin/bash"]' \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c "LABEL org.labrun.recipe=$base_key" "$stage/rootfs.tar" "$base"
  rm -f "$stage/rootfs.tar"
  done_step "debootstrap --variant=minbase bookworm + docker import"
fi
flock -u 9

# ---- 3. The images -----------------------------------------------------------------------------
size() { docker image inspect --format '{{.Size}}' "$1" | awk '{printf "%.0f MB", $1/1000000}'; }
if wants api; then
  image=labrun-example/orders-api:$tag
  step "image $image"
  cp "$here/images/api/Dockerfile" "$stage/api/Dockerfile"
  docker_build orders-api --build-arg "BASE=$base" --build-arg "VERSION=$tag" -t "$image" "$stage/api"
  done_step "$(size "$image")"
fi
if wants db; then
  image=labrun-example/orders-db:$tag
  step "image $image"
  docker_build orders-db --build-arg "BASE=$base" --build-arg "VERSION=$tag" -t "$image" "$here/images/db"
  done_step "$(size "$image")"
fi

rm -rf "$logdir"
printf '==> built %s with tag %s in %ss\n' "${only[*]}" "$tag" "$(($(date +%s) - started))"
