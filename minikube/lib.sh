# shellcheck shell=bash disable=SC2034
# Shared by setup.sh, deploy.sh and cleanup.sh: messages, tool and version checks. Sourced.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROFILE_DEFAULT=labrun

info() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# version_at_least HAVE WANT : true when version HAVE >= WANT (both like 1.2.3, leading v ignored).
version_at_least() {
  local have=${1#v} want=${2#v}
  [[ $(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n 1) == "$want" ]]
}

# tool_version NAME : the installed version of docker, minikube, kubectl or helm ("" if unknown).
tool_version() {
  case "$1" in
    docker) docker version --format '{{.Client.Version}}' 2>/dev/null || true ;;
    minikube) minikube version --short 2>/dev/null || true ;;
    kubectl) kubectl version --client -o json 2>/dev/null | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | head -n 1 ;;
    helm) helm version --template '{{.Version}}' 2>/dev/null || true ;;
  esac | grep -Eo '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n 1
}

# require_tool NAME MIN_VERSION HOW_TO_INSTALL : exit with a clear message when NAME is missing
# or older than MIN_VERSION; print what was found otherwise.
require_tool() {
  local name=$1 min=$2 how=$3 have
  if ! command -v "$name" >/dev/null 2>&1; then
    printf 'error: %s is not installed (need %s or newer).\n       Install it: %s\n' "$name" "$min" "$how" >&2
    return 1
  fi
  have=$(tool_version "$name")
  if [[ -z $have ]]; then
    warn "$name is installed but its version could not be read; continuing"
  elif ! version_at_least "$have" "$min"; then
    printf 'error: %s %s is too old (need %s or newer).\n       Upgrade it: %s\n' "$name" "$have" "$min" "$how" >&2
    return 1
  else
    printf '    %-9s %s (need >= %s)\n' "$name" "$have" "$min"
  fi
}

# check_tools --with-helm|--no-helm : every tool the scripts use, each missing one reported, then exit 1.
check_tools() {
  local ok=0
  require_tool docker 20.10 "https://docs.docker.com/engine/install/" || ok=1
  require_tool minikube 1.30.0 "https://minikube.sigs.k8s.io/docs/start/" || ok=1
  require_tool kubectl 1.26.0 "https://kubernetes.io/docs/tasks/tools/ (or: minikube kubectl -- ...)" || ok=1
  if [[ ${1:-} != --no-helm ]]; then
    require_tool helm 3.8.0 "https://helm.sh/docs/intro/install/" || ok=1
  fi
  if command -v docker >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
    printf 'error: docker is installed but its daemon does not answer (is Docker running, and may this user use it?)\n' >&2
    ok=1
  fi
  ((ok == 0)) || die "install or fix the tools above, then run this again"
}

# profile_running PROFILE : the Minikube profile exists and its API server answers.
profile_running() {
  minikube status -p "$1" --format '{{.APIServer}}' 2>/dev/null | grep -qx Running
}
