#!/usr/bin/env bash
# The todo stack's one test entry point (run as root on a fresh Debian bookworm machine):
#   1. installs what it uses (Debian packages; a Python venv cached per requirements hash),
#   2. shellchecks the stack's scripts,
#   3. runs the backend's pytest suite against a real PostgreSQL (started and stopped by the tests),
#      and the model service's (the real OpenAI Agents SDK and MCP SDK against the real service),
#   4. builds the images with docker/build.sh,
#   5. runs the end-to-end tests: the compose stack (smoke test + headless chromium) and the
#      PostgreSQL image on its own,
#   6. always tears the compose project down (volumes too), and ends with "N passed, N failed".
#
# Environment: LABRUN_TAG (image tag, default dev), LABRUN_CACHE (default /var/cache/labrun),
# LABRUN_ARTIFACTS (default artifacts/stack: JUnit XML, compose logs, the UI's screenshots),
# LABRUN_SKIP_BUILD=1 (reuse existing images).
set -uo pipefail

usage() { echo "usage: stack/test.sh   (no arguments; see the comment at the top for environment variables)"; }
case "${1:-}" in -h | --help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${LABRUN_CACHE:-/var/cache/labrun}
artifacts=${LABRUN_ARTIFACTS:-$repo/artifacts/stack}
tag=${LABRUN_TAG:-dev}
project=labrun-smoke
export DEBIAN_FRONTEND=noninteractive LABRUN_TAG=$tag LABRUN_ARTIFACTS=$artifacts LABRUN_SMOKE_PROJECT=$project
export LABRUN_APP_VERSION=$tag PYTHONDONTWRITEBYTECODE=1

passed=0 failed=0 skipped=0
mkdir -p "$artifacts"

cleanup() {
  if command -v docker-compose >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    docker-compose -f "$repo/docker/docker-compose.yml" -p "$project" down -v --remove-orphans --timeout 30 \
      >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'echo "stack/test.sh: interrupted" >&2; exit 130' INT TERM

section() { printf '\n=== %s ===\n' "$*"; }
die() { echo "stack/test.sh: error: $*" >&2; echo "$passed passed, $((failed + 1)) failed"; exit 1; }

# ---- 1. Host packages and the Python environment -----------------------------------------------
section "host packages"
packages=(postgresql chromium chromium-driver docker-compose python3 python3-venv python3-pip ca-certificates shellcheck)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages (${missing[*]}) and not root to install them"
  echo "installing ${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=600 update -qq || die "apt-get update failed"
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
fi
# The package's own cluster is not used (the tests start their own server); nothing to stop here.
echo "ok"

section "python environment"
venv_key=$( { /usr/bin/python3 --version; cat "$repo/stack/tests/requirements-test.txt"; } | sha256sum | cut -c1-16)
venv="$cache/venv/$venv_key"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  mkdir -p "$cache/venv"
  /usr/bin/python3 -m venv "$venv" || die "could not create $venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir --require-hashes --only-binary=:all: \
    -r "$repo/stack/tests/requirements-test.txt" || { rm -rf "$venv"; die "pip install of the test requirements failed"; }
  touch "$venv/.complete"
  echo "created $venv"
else
  echo "cached $venv"
fi

# Adds a JUnit file's counts to the totals.
count_junit() {
  local counts
  counts=$("$venv/bin/python" - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
k = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - k, f, k)
PY
) || { failed=$((failed + 1)); return; }
  read -r p f k <<<"$counts"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + k))
}

run_pytest() { # run_pytest NAME DIR PYTEST_ARGS...
  local name=$1 dir=$2; shift 2
  local junit="$artifacts/$name-junit.xml"
  rm -f "$junit"
  (cd "$dir" && "$venv/bin/python" -m pytest -q -rs -p no:cacheprovider --junitxml="$junit" "$@")
  local rc=$?
  if [ -f "$junit" ]; then count_junit "$junit"; else failed=$((failed + 1)); fi
  return $rc
}

# ---- 2. Static checks of the shell scripts --------------------------------------------------------
section "shellcheck"
scripts=("$repo/stack/test.sh" "$repo/stack/lock-requirements.sh" "$repo/docker/build.sh" "$repo/docker/bench/wrk.sh"
  "$repo/docker/base/debian-rootfs.sh" "$repo/docker/postgres/entrypoint.sh" "$repo/docker/frontend/entrypoint.sh")
if shellcheck "${scripts[@]}"; then
  echo "clean: ${#scripts[@]} scripts"; passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

# ---- 3. Backend tests --------------------------------------------------------------------------
section "backend tests (pytest, real PostgreSQL)"
# Two workers (pytest-xdist), each with its own PostgreSQL, backend and model stand-in on free ports:
# the tests mostly wait on those, so on two cores 234 s became 175 s.
run_pytest backend "$repo/stack/backend" tests -n 2

section "model service tests (pytest, the real OpenAI Agents SDK and MCP SDK)"
run_pytest model-service "$repo/stack/model-service" tests

# ---- 4. Images ---------------------------------------------------------------------------------
section "images (docker/build.sh --tag $tag)"
built=1
if [ "${LABRUN_SKIP_BUILD:-0}" = 1 ]; then
  echo "LABRUN_SKIP_BUILD=1: using the existing labrun/todo-*:$tag images"
elif "$repo/docker/build.sh" --tag "$tag"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); built=0
fi

# ---- 5. End-to-end: compose smoke test and browser test ---------------------------------------
section "end-to-end (compose project $project, chromium)"
if [ "$built" = 1 ]; then
  run_pytest e2e "$repo/stack/tests" e2e
else
  echo "skipped: the end-to-end tests need the images, and docker/build.sh failed"
  skipped=$((skipped + 1))
fi

cleanup
echo
echo "artifacts: $artifacts"
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ]
