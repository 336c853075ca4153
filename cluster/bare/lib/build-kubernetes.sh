#!/usr/bin/env bash
# Build Kubernetes v1.20.2 server binaries, kubectl and the pause binary from Debian bookworm's
# `kubernetes` source package with Go 1.15 (Debian bullseye), offline, into a cache keyed by the
# source version, our patches and the build recipe. Reuses the cache when it is complete.
# Prints the bin directory on stdout.
# shellcheck source-path=SCRIPTDIR/..
set -euo pipefail

usage() {
  cat <<EOF
usage: $0 [--print-key | --check]
  (no option)  build the binaries if the cache lacks them, then print the bin directory
  --print-key  print the cache key and exit
  --check      print the bin directory if it is complete, else exit 1 (never builds)
cache: \${LABRUN_KUBE_CACHE:-/var/cache/labrun/kubernetes}/<key>/bin
EOF
}

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

mode=build
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --print-key) mode=key ;;
  --check) mode=check ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac

# The recipe: everything that decides the binaries' content. Bump RECIPE_REVISION whenever the
# build steps below change in a way that changes the output.
RECIPE_REVISION=1
GO_PACKAGE=golang-1.15-go
GOROOT_DIR=/usr/lib/go-1.15
STATIC_TARGETS=(kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubectl)
CGO_TARGETS=(kubelet)
KUBE_VERSION=v1.20.2
ALL_BINS=("${STATIC_TARGETS[@]}" "${CGO_TARGETS[@]}" pause)

source_version() {
  local v
  v=$("${APT_CACHE_PRIVATE[@]}" showsrc kubernetes 2>/dev/null |
      awk '/^Version:/ {print $2}' | sort -V | tail -n1)
  [[ -n $v ]] || die "apt-cache showsrc kubernetes found nothing in the private apt lists ($APT_DIR)"
  printf '%s' "$v"
}

cache_key() {
  local version=$1
  {
    printf 'source=%s\nrecipe=%s\ngo=%s\nstatic=%s\ncgo=%s\nversion=%s\n' \
      "$version" "$RECIPE_REVISION" "$GO_PACKAGE" "${STATIC_TARGETS[*]}" "${CGO_TARGETS[*]}" "$KUBE_VERSION"
    cat "$BARE_ROOT"/patches/*.patch
  } | sha256sum | cut -c1-16
}

complete() {
  local bin=$1 b
  for b in "${ALL_BINS[@]}"; do [[ -x $bin/$b ]] || return 1; done
  [[ -f $bin/VERSION ]]
}

# Only the lists are needed to know the key; fetch them the first time.
if ! compgen -G "$APT_DIR/lists/*_InRelease" >/dev/null; then
  [[ $mode == check ]] && exit 1
  need_root "building Kubernetes"
  setup_private_apt
fi
version=$(source_version)
key=$(cache_key "$version")
out=$CACHE_ROOT/$key
if [[ $mode == key ]]; then echo "$key"; exit 0; fi
if complete "$out/bin"; then echo "$out/bin"; exit 0; fi
[[ $mode == check ]] && exit 1

need_root "building Kubernetes"
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT.lock"
log "waiting for the build lock $CACHE_ROOT.lock"
flock 9
if complete "$out/bin"; then echo "$out/bin"; exit 0; fi

started=$(date +%s)
log "building Kubernetes $KUBE_VERSION from Debian source $version into $out (about 8-10 min on 2 cores)"
install_missing dpkg-dev gcc libc6-dev make rsync patch xz-utils
setup_private_apt
if [[ ! -x $GOROOT_DIR/bin/go ]]; then
  log "installing $GO_PACKAGE from bullseye through the private apt configuration"
  "${APT_PRIVATE[@]}" install -y -qq --no-install-recommends "$GO_PACKAGE" >/dev/null
fi

src_cache=$CACHE_ROOT/src
mkdir -p "$src_cache"
dsc=$src_cache/kubernetes_${version}.dsc
if [[ ! -f $dsc ]]; then
  log "downloading the kubernetes $version source package"
  # The cache directory is root's: download as root rather than as apt's sandbox user.
  (cd "$src_cache" && "${APT_PRIVATE[@]}" -o APT::Sandbox::User=root source --download-only "kubernetes=$version" >/dev/null)
fi

work=$CACHE_ROOT/build-$key
rm -rf "$work"
mkdir -p "$work"
log "unpacking the source into $work"
# Debian's own patches (debian/patches) are applied by dpkg-source.
dpkg-source --no-check -x "$dsc" "$work/src" >/dev/null
cd "$work/src"
for p in "$BARE_ROOT"/patches/*.patch; do
  log "applying $(basename "$p")"
  patch -p1 --forward --quiet <"$p"
done

export PATH=$GOROOT_DIR/bin:$PATH
export GOCACHE=$CACHE_ROOT/gocache GOPATH=$work/gopath GOPROXY=off GOFLAGS=-mod=vendor GO111MODULE=on
export HOME=$work/home
mkdir -p "$HOME" "$GOCACHE"
go version >&2

log "make generated_files"
make generated_files >&2
# Without rsync the generator step leaves an empty binary behind; never keep one.
find _output -type f -size 0 -perm -u+x -delete 2>/dev/null || true

build_date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%dT%H:%M:%SZ)
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version \
           k8s.io/kubernetes/vendor/k8s.io/component-base/version k8s.io/kubernetes/vendor/k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=20"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done

staging=$work/bin
mkdir -p "$staging"
log "go build (static): ${STATIC_TARGETS[*]}"
CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$staging/" \
  "${STATIC_TARGETS[@]/#/./cmd/}" >&2
log "go build (cgo): ${CGO_TARGETS[*]}"
CGO_ENABLED=1 go build -trimpath -ldflags "$ldflags" -o "$staging/" \
  "${CGO_TARGETS[@]/#/./cmd/}" >&2
log "building the pause binary (static C)"
gcc -Os -Wall -Werror -static -DVERSION=v3.2-labrun -o "$staging/pause" build/pause/linux/pause.c

"$staging/kube-apiserver" --version >&2
printf 'source=%s\nkey=%s\nkubernetes=%s\nbuilt=%s\n' "$version" "$key" "$KUBE_VERSION" "$build_date" >"$staging/VERSION"

rm -rf "$out"
mkdir -p "$out"
mv "$staging" "$out/bin"
cd /
rm -rf "$work"
log "built in $(( $(date +%s) - started )) s: $out/bin"
echo "$out/bin"
