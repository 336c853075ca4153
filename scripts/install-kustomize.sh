#!/usr/bin/env bash
# Install kustomize — the real one, not a subset — on a Debian bookworm host, where Debian ships it
# only from trixie on: its package is a Go binary that needs nothing but libc >= 2.34 (bookworm
# has 2.36), so the .deb is fetched through a private apt configuration (never /etc/apt), unpacked
# into a cache and linked as /usr/local/bin/kustomize. Idempotent: an installed kustomize is kept.
# Minikube users need none of this: `kubectl kustomize` is the same engine and labrun uses it.
set -euo pipefail

usage() { echo "usage: $0   (installs kustomize from Debian trixie into \${LABRUN_CACHE:-/var/cache/labrun}/kustomize; root)"; }
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

if command -v kustomize >/dev/null 2>&1; then
  echo "install-kustomize: $(command -v kustomize) present"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "install-kustomize: run as root (or install kustomize yourself: https://kubectl.docs.kubernetes.io/installation/kustomize/)" >&2; exit 1; }

cache=${LABRUN_CACHE:-/var/cache/labrun}/kustomize
apt_dir=$cache/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/sources.list.d"
exec 9>"$cache/.lock"
flock 9
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
echo "deb [signed-by=$keyring] http://deb.debian.org/debian trixie main" >"$apt_dir/sources.list"
apt_private=(apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -o APT::Sandbox::User=root
  -o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts="$apt_dir/sources.list.d"
  -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache")

if ! compgen -G "$cache/root-*/usr/bin/kustomize" >/dev/null; then
  echo "install-kustomize: fetching kustomize from Debian trixie (private apt configuration under $apt_dir)"
  "${apt_private[@]}" update -qq
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && "${apt_private[@]}" download kustomize >/dev/null)
  deb=$(echo "$work"/kustomize_*.deb)
  [ -f "$deb" ] || { echo "install-kustomize: Debian trixie offered no kustomize package" >&2; exit 1; }
  version=$(dpkg-deb -f "$deb" Version)
  dpkg-deb -x "$deb" "$cache/root-$version"
fi
binary=$(compgen -G "$cache/root-*/usr/bin/kustomize" | sort | tail -n 1)
"$binary" version >/dev/null
ln -sfn "$binary" /usr/local/bin/kustomize
echo "install-kustomize: /usr/local/bin/kustomize -> $binary"
