#!/usr/bin/env bash
# Prepare Minikube for the todo stack: check Docker, Minikube, kubectl and Helm (and their
# versions), start a named profile with enough CPU and memory and a CNI that enforces
# NetworkPolicies, and enable the ingress and metrics-server addons. Idempotent.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: minikube/setup.sh [--profile NAME] [--cpus N] [--memory MB] [--driver DRIVER] [--cni CNI]
                         [--kubernetes-version VERSION]

  --profile NAME              Minikube profile (default labrun)
  --cpus N                    CPUs for the node (default 4)
  --memory MB                 memory for the node in MiB (default 8192)
  --driver DRIVER             minikube driver (default docker)
  --cni CNI                   network plugin (default calico, which enforces NetworkPolicies;
                              "auto" takes Minikube's default, which does not)
  --kubernetes-version V      e.g. v1.30.0 (default: Minikube's default)
  -h, --help                  this help

Then: minikube/deploy.sh
USAGE
}

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

profile=$PROFILE_DEFAULT cpus=4 memory=8192 driver=docker cni=calico kube_version=""
while (($#)); do
  case "$1" in
    --profile|--cpus|--memory|--driver|--cni|--kubernetes-version)
      [[ $# -ge 2 ]] || { usage >&2; die "$1 needs a value"; }
      case "$1" in
        --profile) profile=$2 ;; --cpus) cpus=$2 ;; --memory) memory=$2 ;;
        --driver) driver=$2 ;; --cni) cni=$2 ;; --kubernetes-version) kube_version=$2 ;;
      esac
      shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done
[[ $cpus =~ ^[0-9]+$ && $cpus -ge 2 ]] || die "--cpus must be a number, at least 2 (got '$cpus')"
[[ $memory =~ ^[0-9]+$ && $memory -ge 4096 ]] || die "--memory must be at least 4096 MiB (got '$memory')"
[[ $profile =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "--profile must be lower-case letters, digits and dashes (got '$profile')"

info "checking tools"
check_tools --with-helm

if profile_running "$profile"; then
  info "profile $profile is already running"
else
  info "starting Minikube profile $profile ($cpus CPUs, $memory MiB, driver $driver, CNI $cni)"
  args=(start -p "$profile" --cpus "$cpus" --memory "$memory" --driver "$driver")
  [[ $cni == auto ]] || args+=(--cni "$cni")
  [[ -z $kube_version ]] || args+=(--kubernetes-version "$kube_version")
  minikube "${args[@]}"
fi

info "enabling addons: ingress (Ingress todo.local), metrics-server (the backend's autoscaler)"
minikube -p "$profile" addons enable ingress
minikube -p "$profile" addons enable metrics-server

kubectl config use-context "$profile" >/dev/null
info "ready: kubectl context $profile, Kubernetes $(kubectl version -o json 2>/dev/null | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | tail -n 1)"
info "next: minikube/deploy.sh --profile $profile"
