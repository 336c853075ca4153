#!/usr/bin/env bash
# Build the todo stack's images — offline by default — on this machine.
#
#   1. make sure a Docker engine answers (as root on Debian: installs docker.io and starts dockerd;
#      as anyone else: says what to start);
#   2. download the Python images' pinned, hash-checked wheels (backend, model service) on the host for
#      the engine's architecture (amd64 or arm64; cached per requirements hash and architecture);
#   3. the base images: offline, built from Debian (debootstrap + docker import — root only), each
#      tagged with the hash of its recipe and skipped when that tag already exists; online, the public
#      python, nginx and postgres images;
#   4. build labrun/todo-backend, labrun/todo-model-service, labrun/todo-frontend and labrun/todo-postgres
#      with the given tag.
# Runs as any user who can reach Docker (bash 3.2 and BSD tools too, for macOS).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: docker/build.sh [--tag TAG] [--app-version V] [--only backend|model-service|frontend|postgres]... [--online|--offline] [--no-cache]

Builds labrun/todo-backend:TAG, labrun/todo-model-service:TAG (the lab's stand-in for the external
model provider), labrun/todo-frontend:TAG and labrun/todo-postgres:TAG.

  --tag TAG          image tag (default: dev)
  --app-version V    APP_VERSION baked into the backend and model-service images as their default (default: TAG)
  --only NAME        build only this image (backend, model-service, frontend or postgres); repeatable
  --online           use the public base images (python:3.11-slim, nginx:1.27, postgres:16) from
                     a registry instead of building local bases from Debian
  --offline          build the bases from Debian with debootstrap (needs root and apt, once; later
                     builds by any user find them in Docker)
                     Default: offline when the Debian bases are already in Docker or when run as
                     root on Debian; otherwise online (a developer's machine with a registry).
  --no-cache         rebuild everything: bases (debootstrap again), wheels, and every layer
  -h, --help         show this help

Environment: LABRUN_CACHE holds downloaded wheels and root filesystems (default /var/cache/labrun
for root, else ${XDG_CACHE_HOME:-~/.cache}/labrun).
USAGE
}

die() { echo "build.sh: error: $*" >&2; exit 1; }

tag=dev
app_version=
online=
no_cache=0
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) [ $# -ge 2 ] || die "--tag needs a value"; tag=$2; shift 2 ;;
    --tag=*) tag=${1#*=}; shift ;;
    --app-version) [ $# -ge 2 ] || die "--app-version needs a value"; app_version=$2; shift 2 ;;
    --app-version=*) app_version=${1#*=}; shift ;;
    --only) [ $# -ge 2 ] || die "--only needs a value"; only+=("$2"); shift 2 ;;
    --only=*) only+=("${1#*=}"); shift ;;
    --online) online=1; shift ;;
    --offline) online=0; shift ;;
    --no-cache) no_cache=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "invalid tag '$tag' (letters, digits, _ . -; at most 128)"
app_version=${app_version:-$tag}
[[ "$app_version" =~ ^[A-Za-z0-9_.+-]{1,64}$ ]] || die "invalid --app-version '$app_version' (letters, digits, _ . + -)"
if [ ${#only[@]} -eq 0 ]; then only=(backend model-service frontend postgres); fi
for name in "${only[@]}"; do
  case "$name" in
    backend | model-service | frontend | postgres) ;;
    *) die "--only takes backend, model-service, frontend or postgres, not '$name'" ;;
  esac
done
wants() { local n; for n in "${only[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
is_root=0; [ "$(id -u)" -eq 0 ] && is_root=1
if [ "$is_root" = 1 ]; then default_cache=/var/cache/labrun; else default_cache=${XDG_CACHE_HOME:-$HOME/.cache}/labrun; fi
cache=${LABRUN_CACHE:-$default_cache}
export DEBIAN_FRONTEND=noninteractive
# Debian's 20.10 client speaks to Debian's 20.10 daemon; a newer client earlier on PATH works too.
docker_cli=$(command -v docker || echo /usr/bin/docker)

started=$(date +%s)
step_start=0
step() { step_start=$(date +%s); printf '==> %s\n' "$*"; }
done_step() { printf '    done in %ss%s\n' "$(($(date +%s) - step_start))" "${1:+ ($1)}"; }
if command -v sha256sum >/dev/null 2>&1; then sha() { sha256sum | cut -c1-16; }; else sha() { shasum -a 256 | cut -c1-16; }; fi
is_debian() { [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }

apt_install() { # apt_install PACKAGE... (only those missing; root on Debian only, else says what to install)
  local missing=() p
  if ! is_debian; then
    for p in "$@"; do missing+=("$p"); done
    die "needs ${missing[*]} (Debian package names); install the equivalent with your system's package manager"
  fi
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$is_root" = 1 ] || die "needs the Debian packages ${missing[*]}: run \`sudo apt-get install ${missing[*]}\` once, then build again as yourself"
  echo "    installing ${missing[*]} (apt)"
  apt-get -o DPkg::Lock::Timeout=600 update -qq || die "apt-get update failed"
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

run_logged() { # run_logged LOGFILE CMD... : quiet on success, the log's tail and the command on failure
  local logfile=$1; shift
  if ! "$@" >"$logfile" 2>&1; then
    echo "build.sh: command failed: $*" >&2
    tail -n 40 "$logfile" >&2
    echo "build.sh: full log: $logfile" >&2
    exit 1
  fi
}

logdir=$(mktemp -d /tmp/labrun-build.XXXXXX)
stage=$(mktemp -d /tmp/labrun-context.XXXXXX)
cleanup() { rm -rf "$stage"; }
trap cleanup EXIT

# ---- 1. Docker ---------------------------------------------------------------------------------
step "docker engine"
"$repo/scripts/ensure-docker.sh" || die "no Docker engine (scripts/ensure-docker.sh failed)"
done_step "$("$docker_cli" version --format 'server {{.Server.Version}}' 2>/dev/null || echo unknown)"

# The engine's architecture decides the wheels' platform (Apple Silicon and other arm64 hosts run arm64 images).
case "$("$docker_cli" version --format '{{.Server.Arch}}' 2>/dev/null || uname -m)" in
  amd64 | x86_64) wheel_platform=manylinux2014_x86_64; arch=amd64 ;;
  arm64 | aarch64) wheel_platform=manylinux2014_aarch64; arch=arm64 ;;
  *) die "the Docker engine's architecture $("$docker_cli" version --format '{{.Server.Arch}}' 2>/dev/null) is not amd64 or arm64" ;;
esac

image_exists() { [ "$no_cache" = 0 ] && "$docker_cli" image inspect "$1" >/dev/null 2>&1; }
cache_flags=()
if [ "$no_cache" = 1 ]; then cache_flags=(--no-cache --pull=false); fi
# The classic builder: it works with every client and daemon on Debian; BuildKit would want a
# frontend image from a registry for some features.
docker_build() { # docker_build LOGNAME ARGS...
  local name=$1; shift
  DOCKER_BUILDKIT=0 run_logged "$logdir/$name.log" "$docker_cli" build ${cache_flags[@]+"${cache_flags[@]}"} "$@"
}

# ---- 2. Wheels ---------------------------------------------------------------------------------
fetch_wheels() { # fetch_wheels NAME REQUIREMENTS: sets wheel_cache to the cached wheels of REQUIREMENTS + pip-tools.txt
  local name=$1 req=$2 key tmp python r
  step "$name wheels"
  key=$(cat "$req" "$here/pip-tools.txt" | sha)
  [ "$arch" = amd64 ] || key="$key-$arch"
  wheel_cache="$cache/wheels/$key"
  if [ ! -f "$wheel_cache/.complete" ] || [ "$no_cache" = 1 ]; then
    python=$(command -v python3 || echo /usr/bin/python3)
    if ! "$python" -m pip --version >/dev/null 2>&1; then apt_install python3-pip; fi
    tmp="$wheel_cache.tmp.$$"
    rm -rf "$tmp"; mkdir -p "$tmp"
    for r in "$req" "$here/pip-tools.txt"; do
      run_logged "$logdir/wheels-$name.log" "$python" -m pip download --quiet --disable-pip-version-check \
        --no-cache-dir --require-hashes --no-deps --only-binary=:all: --platform "$wheel_platform" \
        --python-version 3.11 --implementation cp --abi cp311 -d "$tmp" -r "$r"
    done
    touch "$tmp/.complete"
    rm -rf "$wheel_cache"
    # If a concurrent build.sh got there first, its copy is just as good.
    if [ -e "$wheel_cache" ] || ! mv "$tmp" "$wheel_cache" 2>/dev/null; then rm -rf "$tmp"; fi
    done_step "downloaded $(find "$wheel_cache" -name '*.whl' | wc -l) wheels into $wheel_cache"
  else
    done_step "cached in $wheel_cache"
  fi
}
if wants backend; then fetch_wheels backend "$repo/stack/backend/requirements.txt"; backend_wheels=$wheel_cache; fi
if wants model-service; then
  fetch_wheels model-service "$repo/stack/model-service/requirements.txt"; model_service_wheels=$wheel_cache
fi

# ---- 3. Base images ----------------------------------------------------------------------------
debian_key=$(sha <"$here/base/debian-rootfs.sh")
debian_image="labrun/base-debian:$debian_key"
if [ -z "$online" ]; then
  if image_exists "$debian_image" || { [ "$is_root" = 1 ] && is_debian; }; then online=0; else online=1; fi
  [ "$online" = 0 ] || echo "    no Debian base in Docker and not root on Debian: using the public base images (--online; --offline to refuse)"
fi
# base_python, base_nginx, base_postgres: what each application image starts from.
if [ "$online" = 1 ]; then
  base_python=python:3.11-slim
  base_nginx=nginx:1.27
  base_postgres=postgres:16
else
  step "base image $debian_image"
  if image_exists "$debian_image"; then
    done_step "cached"
  else
    [ "$is_root" = 1 ] || die "the offline Debian base $debian_image is not in Docker and debootstrap needs root: run \`sudo $0 --offline --only ${only[0]}\` once (later builds as yourself reuse it), or build with --online where a registry answers"
    command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
    rootfs="$cache/rootfs/debian-$debian_key.tar"
    if [ ! -f "$rootfs" ] || [ "$no_cache" = 1 ]; then
      mkdir -p "$cache/rootfs"
      run_logged "$logdir/debootstrap.log" "$here/base/debian-rootfs.sh" "$rootfs.tmp"
      mv "$rootfs.tmp" "$rootfs"
    fi
    run_logged "$logdir/import.log" "$docker_cli" import \
      -c 'CMD ["/bin/bash"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c "LABEL org.labrun.recipe=$debian_key" "$rootfs" "$debian_image"
    done_step "debootstrap --variant=minbase bookworm + docker import"
  fi
  for name in python nginx postgres; do
    case "$name" in
      python) wants backend || wants model-service || continue ;;
      nginx) wants frontend || continue ;;
      postgres) wants postgres || continue ;;
    esac
    key=$( { echo "$debian_key"; cat "$here/base/$name.Dockerfile"; } | sha)
    image="labrun/base-$name:$key"
    step "base image $image"
    if image_exists "$image"; then
      done_step "cached"
    else
      docker_build "base-$name" --build-arg "BASE=$debian_image" --label "org.labrun.recipe=$key" \
        -f "$here/base/$name.Dockerfile" -t "$image" "$here/base"
      done_step "apt-get in docker build"
    fi
    eval "base_$name=\$image"
  done
fi

# ---- 4. Application images ---------------------------------------------------------------------
# The build context mirrors the repository's layout but holds only what the images use, filtered
# through docker/.dockerignore.
mkdir -p "$stage/docker" "$stage/stack"
cp "$here/.dockerignore" "$stage/.dockerignore"
paths=(stack/backend/app stack/backend/requirements.txt stack/model-service/model_service
  stack/model-service/requirements.txt stack/frontend docker/frontend docker/postgres
  "${only[@]/#/docker/Dockerfile.}")
tar -C "$repo" --exclude=__pycache__ --exclude='*.pyc' --exclude=.pytest_cache -cf - "${paths[@]}" \
  | tar -C "$stage" -xf -
# Wheels go from the cache straight into the staged context (docker/wheels/ in the repository is
# only for building by hand), so concurrent runs of this script do not disturb each other.
# Each Python image has a wheel directory of its own, so a change to one's pins leaves the other's
# layers cached.
if wants backend; then
  mkdir -p "$stage/docker/wheels"
  cp "$backend_wheels"/*.whl "$stage/docker/wheels/"
fi
if wants model-service; then
  mkdir -p "$stage/docker/wheels-model-service"
  cp "$model_service_wheels"/*.whl "$stage/docker/wheels-model-service/"
fi

build_app() { # build_app NAME BASE_ARG BASE
  local name=$1 arg=$2 from=$3 image="labrun/todo-$1:$tag"
  step "image $image (from $from)"
  docker_build "todo-$name" --build-arg "$arg=$from" --build-arg "APP_VERSION=$app_version" \
    -f "$stage/docker/Dockerfile.$name" -t "$image" "$stage"
  done_step "$("$docker_cli" image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1000000}')"
}
if wants postgres; then build_app postgres POSTGRES_BASE "$base_postgres"; fi
if wants backend; then build_app backend PYTHON_BASE "$base_python"; fi
if wants model-service; then build_app model-service PYTHON_BASE "$base_python"; fi
if wants frontend; then build_app frontend NGINX_BASE "$base_nginx"; fi

rm -rf "$logdir"
printf '==> built %s with tag %s (APP_VERSION=%s) in %ss\n' "${only[*]}" "$tag" "$app_version" \
  "$(($(date +%s) - started))"
