#!/usr/bin/env bash
# Remove the todo stack from Minikube: the Helm release and its namespace (the database volume
# and Secret included), optionally keeping the data, optionally deleting the whole profile.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: minikube/cleanup.sh [--profile NAME] [--namespace NS] [--release NAME] [--keep-data]
                           [--delete-cluster]

  --profile NAME     Minikube profile (default labrun)
  --namespace NS     namespace (default todo)
  --release NAME     Helm release (default todo)
  --keep-data        uninstall the release but keep the namespace with the PostgreSQL volume
                     claim and Secret todo-db, so a later deploy.sh finds the same data
  --delete-cluster   afterwards delete the Minikube profile itself (`minikube delete`)
  -h, --help         this help
USAGE
}

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

profile=$PROFILE_DEFAULT ns=todo release=todo keep_data=0 delete_cluster=0
while (($#)); do
  case "$1" in
    --profile|--namespace|--release)
      [[ $# -ge 2 ]] || { usage >&2; die "$1 needs a value"; }
      case "$1" in --profile) profile=$2 ;; --namespace) ns=$2 ;; --release) release=$2 ;; esac
      shift ;;
    --keep-data) keep_data=1 ;;
    --delete-cluster) delete_cluster=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done

command -v minikube >/dev/null 2>&1 || die "minikube is not installed: nothing to clean up"
if ! profile_running "$profile"; then
  warn "Minikube profile $profile is not running: nothing deployed to remove"
else
  command -v kubectl >/dev/null 2>&1 || die "kubectl is not installed (https://kubernetes.io/docs/tasks/tools/)"
  kubectl config use-context "$profile" >/dev/null
  if command -v helm >/dev/null 2>&1 && helm status "$release" -n "$ns" >/dev/null 2>&1; then
    info "uninstalling release $release"
    helm uninstall "$release" -n "$ns" --wait
  else
    info "no Helm release $release in $ns"
  fi
  if ((keep_data)); then
    info "keeping namespace $ns (PVC data-postgres-0, Secret todo-db)"
  elif kubectl get namespace "$ns" >/dev/null 2>&1; then
    info "deleting namespace $ns (and with it the database volume)"
    kubectl delete namespace "$ns" --wait=true --timeout=180s
  fi
fi

if ((delete_cluster)); then
  info "deleting Minikube profile $profile"
  minikube delete -p "$profile"
fi
info "done"
