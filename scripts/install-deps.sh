#!/usr/bin/env bash
# Install what a fresh Debian bookworm machine lacks to build and test labrun: the C libraries the
# Swift harness links, the Docker engine, PostgreSQL, and the tools the tests drive. Idempotent:
# packages already present are not touched. Also kustomize, which bookworm does not package
# (scripts/install-kustomize.sh takes it from trixie). Run as root.
set -euo pipefail

usage() { echo "usage: $0   (installs labrun's Debian build and test dependencies; root)"; }
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

packages=(
  # Swift harness: C bridges.
  libcurl4-openssl-dev libpq-dev libssl-dev pkg-config
  # Images and compose (docker/).
  docker.io docker-compose debootstrap
  # Real PostgreSQL for the client and backend tests.
  postgresql
  # Bare cluster (cluster/bare/ installs the rest it needs itself).
  etcd-server containernetworking-plugins conntrack iptables socat dnsmasq-base rsync openssl
  # Test tools.
  shellcheck wrk jq curl python3-venv hyperfine
  # A real registry for the --registry end-to-end test (Debian's distribution 2.8; the test starts
  # its own on a loopback port, the package's service is not used).
  docker-registry
  # Scenario JSON Schema agreement test.
  python3-jsonschema python3-yaml
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: done"
fi
"$(dirname "${BASH_SOURCE[0]}")/install-kustomize.sh"
