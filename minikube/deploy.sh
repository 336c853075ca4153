#!/usr/bin/env bash
# Build the todo stack's images into Minikube, install or upgrade the Helm chart, wait until the
# stack is ready, run `helm test`, and print the URL.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: minikube/deploy.sh [--profile NAME] [--namespace NS] [--release NAME] [--tag TAG]
                          [--values FILE]... [--no-build] [--no-test] [--timeout DURATION]

  --profile NAME     Minikube profile (default labrun)
  --namespace NS     namespace (default todo)
  --release NAME     Helm release (default todo)
  --tag TAG          image tag to build and deploy (default dev); also the app version shown
                     in X-App-Version
  --values FILE      extra values file(s), after helm/todo-app/values-minikube.yaml
  --no-build         deploy images already in Minikube
  --no-test          skip `helm test`
  --timeout D        how long to wait for readiness (default 10m)
  -h, --help         this help

Upgrades: run again with another --tag (e.g. v2): a rolling update with no dropped request.
Rollback: helm rollback <release> -n <namespace> (see helm/README.md).
USAGE
}

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

profile=$PROFILE_DEFAULT ns=todo release=todo tag=dev build=1 test=1 timeout=10m
values=()
while (($#)); do
  case "$1" in
    --profile|--namespace|--release|--tag|--values|--timeout)
      [[ $# -ge 2 ]] || { usage >&2; die "$1 needs a value"; }
      case "$1" in
        --profile) profile=$2 ;; --namespace) ns=$2 ;; --release) release=$2 ;;
        --tag) tag=$2 ;; --values) values+=(--values "$2") ;; --timeout) timeout=$2 ;;
      esac
      shift ;;
    --no-build) build=0 ;;
    --no-test) test=0 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done
[[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "invalid --tag '$tag'"

info "checking tools"
check_tools --with-helm
profile_running "$profile" || die "Minikube profile $profile is not running; start it with: minikube/setup.sh --profile $profile"
kubectl config use-context "$profile" >/dev/null

if ((build)); then
  runtime=$(kubectl get nodes -o jsonpath='{.items[0].status.nodeInfo.containerRuntimeVersion}')
  if [[ $runtime == docker://* ]]; then
    info "building images straight into Minikube's Docker engine (tag $tag)"
    eval "$(minikube -p "$profile" docker-env --shell bash)"
    "$REPO_ROOT/docker/build.sh" --online --tag "$tag"
    "$REPO_ROOT/monitoring/build-image.sh" --online --tag "$tag"
    eval "$(minikube -p "$profile" docker-env --shell bash --unset)"
  else
    info "runtime is $runtime: building on the host's Docker, then loading into Minikube"
    "$REPO_ROOT/docker/build.sh" --online --tag "$tag"
    "$REPO_ROOT/monitoring/build-image.sh" --online --tag "$tag"
    for image in todo-backend todo-model-service todo-frontend todo-postgres todo-prometheus; do
      minikube -p "$profile" image load "labrun/$image:$tag"
    done
  fi
fi

info "installing or upgrading release $release in namespace $ns"
helm upgrade --install "$release" "$REPO_ROOT/helm/todo-app" \
  --namespace "$ns" --create-namespace \
  --values "$REPO_ROOT/helm/todo-app/values-minikube.yaml" "${values[@]}" \
  --set "backend.image.tag=$tag,frontend.image.tag=$tag,postgres.image.tag=$tag,modelService.image.tag=$tag,monitoring.prometheus.image.tag=$tag" \
  --set "backend.appVersion=$tag" \
  --wait --timeout "$timeout"

info "waiting for the rollouts"
kubectl -n "$ns" rollout status statefulset/postgres --timeout="$timeout"
kubectl -n "$ns" rollout status deployment/backend --timeout="$timeout"
kubectl -n "$ns" rollout status deployment/frontend --timeout="$timeout"
# The stand-in for the model provider (values-minikube.yaml keeps modelService.enabled).
kubectl -n "$ns" rollout status deployment/model-service --timeout="$timeout"

if ((test)); then
  info "helm test: create, read, complete and delete a task through the frontend"
  helm test "$release" -n "$ns" --logs
fi

ip=$(minikube -p "$profile" ip)
host=$(kubectl -n "$ns" get ingress frontend -o jsonpath='{.spec.rules[0].host}' 2>/dev/null || echo todo.local)
cat <<DONE

The todo app is up:  http://$host/
  Add this line to /etc/hosts once:   $ip $host
  (Docker driver on macOS or Windows: run \`minikube -p $profile tunnel\` and use 127.0.0.1 instead.)
  Without the Ingress:                kubectl -n $ns port-forward svc/frontend 8080:8080  → http://127.0.0.1:8080/
  Prometheus:                         kubectl -n $ns port-forward svc/prometheus 9090:9090
  Grafana (dashboard "labrun todo backend"):
                                      kubectl -n $ns port-forward svc/grafana 3000:3000
DONE
