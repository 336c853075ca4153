#!/usr/bin/env bash
# Tests of the Kubernetes packaging: kubernetes/, helm/todo-app, minikube/, monitoring/.
#
#   1. shellcheck of every shell script in kubernetes/, minikube/ and monitoring/;
#   2. pytest (test_chart_matches_manifests.py): Helm lint and render for Kubernetes 1.20 and a
#      current version with Helm's own engine (helm-python-sdk), the chart compared object by
#      object with kubernetes/, and the promises of the specs;
#   3. promtool (Debian's prometheus package): the alert rules and their unit tests;
#   4. with a cluster (the bare cluster's admin kubeconfig): every manifest and the rendered chart
#      under `kubectl apply --dry-run=server`; the stack deployed from kubernetes/ (deploy.sh);
#      the chart installed, tested, upgraded and rolled back with Helm's SDK (helm_release.py).
#
# Ends with "N passed, N failed, N skipped". Without a cluster the cluster checks are skipped
# and say why; LABRUN_REQUIRE_CLUSTER=1 turns that into a failure (CI's cluster suite).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: kubernetes/test/run.sh [--offline] [--no-deploy] [--no-helm-release]

  --offline          only the checks that need no cluster (1-3)
  --no-deploy        skip the deployment of kubernetes/ (deploy.sh)
  --no-helm-release  skip the Helm install/upgrade/rollback (helm_release.py)

Environment:
  LABRUN_KUBECONFIG       cluster to use (default /var/lib/labrun/bare/admin.kubeconfig)
  LABRUN_REQUIRE_CLUSTER  1: an unreachable cluster is a failure, not a skip
  KUSTOMIZE_KUBECTL       a kubectl 1.21+ (kustomize v4+) to build kubernetes/
  LABRUN_CACHE            cache root (default /var/cache/labrun)
USAGE
}

offline=0 deploy=1 helm_release=1
while (($#)); do
  case "$1" in
    --offline) offline=1 ;;
    --no-deploy) deploy=0 ;;
    --no-helm-release) helm_release=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${LABRUN_CACHE:-/var/cache/labrun}
kubeconfig=${LABRUN_KUBECONFIG:-/var/lib/labrun/bare/admin.kubeconfig}
export DEBIAN_FRONTEND=noninteractive
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"

passed=0 failed=0 skipped=0 finished=0
work=$(mktemp -d /tmp/labrun-k8s-test.XXXXXX)
dry_ns=""
cleanup() {
  local rc=$?
  if [[ -n $dry_ns ]]; then
    "${kubectl_apply:-kubectl}" --kubeconfig "$kubeconfig" delete namespace "$dry_ns" --wait=false >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  if ((finished == 0)); then
    failed=$((failed + 1))
    echo "FAIL  run.sh stopped early (exit $rc) at line ${stopped_at:-?}"
    echo "$passed passed, $failed failed, $skipped skipped"
    ((rc != 0)) || rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'stopped_at=$LINENO' ERR

pass() { passed=$((passed + 1)); echo "PASS  $*"; }
fail() { failed=$((failed + 1)); echo "FAIL  $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP  $*"; }

# check NAME COMMAND... : run COMMAND, PASS or FAIL with its output shown on failure.
check() {
  local name=$1; shift
  if "$@" >"$work/out" 2>&1; then
    pass "$name"
  else
    fail "$name"
    sed 's/^/      /' "$work/out" | tail -n 40
  fi
}

# add_counts LOG : add a sub-run's final "N passed, N failed[, N skipped]" line to the totals.
add_counts() {
  local line p f s
  line=$( { grep -Eo '[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?' "$1" || true; } | tail -n 1)
  if [[ -z $line ]]; then fail "$(basename "$1" .log) printed no result line"; return; fi
  p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  s=$(grep -Eo '[0-9]+ skipped' <<<"$line" | grep -Eo '[0-9]+' || echo 0)
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

install_packages() { # install_packages PKG... (only the missing ones)
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "run.sh: installing ${missing[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ---------------------------------------------------------------------------------------------
echo "== setup"
install_packages shellcheck openssl git ca-certificates
command -v python3 >/dev/null || install_packages python3
python3 -c 'import venv, ensurepip' 2>/dev/null || install_packages python3-venv

# A virtualenv per (requirements, interpreter), shared by every run on this machine.
py_tag=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
venv_key=$( (cat "$here/requirements.txt"; echo "$py_tag") | sha256sum | cut -c1-16)
venv=$cache/venv/k8s-test-$venv_key
if [[ ! -x $venv/bin/python || ! -f $venv/.complete ]]; then
  echo "run.sh: creating $venv" >&2
  rm -rf "$venv"
  mkdir -p "$cache/venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  touch "$venv/.complete"
fi
py=$venv/bin/python

# promtool from Debian's prometheus package, unpacked (no daemon, no install) into the cache.
promtool=""
prom_version=$(apt-cache policy prometheus 2>/dev/null | awk '/Candidate:/ {print $2}')
if [[ -n $prom_version && $prom_version != "(none)" ]]; then
  prom_dir=$cache/promtool/${prom_version//[^A-Za-z0-9.+~-]/_}
  if [[ ! -x $prom_dir/usr/bin/promtool ]]; then
    mkdir -p "$prom_dir.tmp"
    (cd "$prom_dir.tmp" && apt-get download -qq "prometheus=$prom_version" >/dev/null 2>&1 \
      && dpkg-deb -x prometheus_*.deb root && mv root "$prom_dir.new") || true
    if [[ -d $prom_dir.new ]]; then rm -rf "$prom_dir"; mv "$prom_dir.new" "$prom_dir"; fi
    rm -rf "$prom_dir.tmp"
  fi
  [[ -x $prom_dir/usr/bin/promtool ]] && promtool=$prom_dir/usr/bin/promtool
fi

# ---------------------------------------------------------------------------------------------
echo "== shellcheck"
mapfile -t scripts < <(cd "$repo" && find kubernetes minikube monitoring -name '*.sh' -type f | sort)
for s in "${scripts[@]}"; do
  check "shellcheck $s" shellcheck -x "$repo/$s"
done
((${#scripts[@]})) || fail "shellcheck: no scripts found"

# ---------------------------------------------------------------------------------------------
echo "== chart lint/render and chart-vs-manifests comparison (pytest)"
(cd "$here" && "$py" -m pytest -q -p no:cacheprovider -rfE test_chart_matches_manifests.py) >"$work/pytest.log" 2>&1 || true
grep -E '^(FAILED|ERROR)' "$work/pytest.log" | sed 's/^/      /' || true
summary=$(tail -n 1 "$work/pytest.log")
p=$(grep -Eo '[0-9]+ passed' <<<"$summary" | grep -Eo '[0-9]+' || echo 0)
f=$( { grep -Eo '[0-9]+ (failed|errors?)' <<<"$summary" || true; } | awk '{s += $1} END {print s + 0}')
if ((p == 0 && f == 0)); then
  fail "pytest ran no tests"; tail -n 30 "$work/pytest.log" | sed 's/^/      /'
else
  passed=$((passed + p)); failed=$((failed + f))
  echo "pytest: $summary"
  ((f == 0)) || sed -n '/= FAILURES =/,$p' "$work/pytest.log" | head -n 80 | sed 's/^/      /'
fi

# ---------------------------------------------------------------------------------------------
echo "== alert rules (promtool)"
if [[ -n $promtool ]]; then
  check "promtool check rules monitoring/prometheus/alerts.yml" "$promtool" check rules "$repo/monitoring/prometheus/alerts.yml"
  rule_tests() { (cd "$repo/monitoring/prometheus" && "$promtool" test rules alerts_test.yml); }
  check "promtool test rules monitoring/prometheus/alerts_test.yml" rule_tests
  # The chart's rendered prometheus.yml, with its rule files where the pod has them.
  "$py" "$here/render.py" --values values-minikube.yaml >"$work/chart-minikube.yaml"
  mkdir -p "$work/prom/rules"
  "$py" - "$work/chart-minikube.yaml" "$work/prom" <<'PY'
import sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "prometheus-config":
        cfg = doc["data"]["prometheus.yml"].replace("/etc/prometheus/rules/", sys.argv[2] + "/rules/")
        open(sys.argv[2] + "/prometheus.yml", "w").write(cfg)
        open(sys.argv[2] + "/rules/alerts.yml", "w").write(doc["data"]["alerts.yml"])
PY
  check "promtool check config (the chart's prometheus.yml)" "$promtool" check config "$work/prom/prometheus.yml"
  # Every dashboard query must parse: as recording rules, promtool checks their PromQL.
  "$py" - "$repo/monitoring/grafana/todo-dashboard.json" "$work/prom/dashboard-rules.yml" <<'PY'
import json, sys, yaml
panels = json.load(open(sys.argv[1]))["panels"]
rules = [{"record": f"dashboard:panel{p['id']}:{t['refId']}", "expr": t["expr"].replace("$__rate_interval", "1m")}
         for p in panels for t in p.get("targets", [])]  # rows have none
yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[2], "w"))
PY
  check "promtool: every Grafana dashboard query parses" "$promtool" check rules "$work/prom/dashboard-rules.yml"
else
  skip "promtool: Debian's prometheus package could not be downloaded (apt lists or network missing)"
fi

# ---------------------------------------------------------------------------------------------
echo "== cluster checks"
cluster_ok=0
if ((offline)); then
  skip "cluster checks: --offline"
elif [[ ! -r $kubeconfig ]]; then
  msg="server-side checks could not run: no kubeconfig at $kubeconfig (start the bare cluster with cluster/bare/up)"
  if [[ ${LABRUN_REQUIRE_CLUSTER:-0} == 1 ]]; then fail "$msg"; else skip "$msg"; fi
else
  # Prefer a kubectl of the server's own minor version (the bare cluster's v1.20.2 build).
  kubectl_apply=/usr/bin/kubectl
  for candidate in "$cache"/kubernetes/*/bin/kubectl; do
    [[ -x $candidate ]] && kubectl_apply=$candidate && break
  done
  command -v "$kubectl_apply" >/dev/null 2>&1 || kubectl_apply=$(command -v kubectl || true)
  if [[ -z $kubectl_apply ]] || ! "$kubectl_apply" --kubeconfig "$kubeconfig" --request-timeout=10s get --raw /readyz >"$work/out" 2>&1; then
    msg="server-side checks could not run: the API server in $kubeconfig does not answer ($(tail -n 1 "$work/out" 2>/dev/null))"
    if [[ ${LABRUN_REQUIRE_CLUSTER:-0} == 1 ]]; then fail "$msg"; else skip "$msg"; fi
  else
    cluster_ok=1
  fi
fi

if ((cluster_ok)); then
  k() { "$kubectl_apply" --kubeconfig "$kubeconfig" --request-timeout=60s "$@"; }
  kz=$("$py" -c 'import k8stest; print(k8stest.kustomize_kubectl())' 2>"$work/out" || true)
  server=$(k version -o json 2>/dev/null | "$py" -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')
  echo "server $server; applying with $kubectl_apply ($("$kubectl_apply" version --client --short 2>/dev/null || "$kubectl_apply" version --client 2>/dev/null | head -n 1))"

  # Dry runs go to a namespace of their own, so nothing touches `todo`; leftovers of interrupted
  # runs (same prefix, ours by name) are removed first.
  for old in $(k get namespaces -o name | sed -n 's|^namespace/\(labrun-k8s-test-dryrun-[0-9]*\)$|\1|p'); do
    k delete namespace "$old" --wait=false >/dev/null 2>&1 || true
  done
  dry_ns=labrun-k8s-test-dryrun-$$
  k create namespace "$dry_ns" >/dev/null
  # Pods are admitted only once the namespace's default ServiceAccount exists.
  for _ in $(seq 1 60); do k -n "$dry_ns" get serviceaccount default >/dev/null 2>&1 && break; sleep 0.5; done

  # Which kustomize variant this server serves (discovery, not a version guess).
  if k api-versions | grep -qx policy/v1 && k api-versions | grep -qx autoscaling/v2; then
    serve=default; other=overlays/k8s-1.20
  else
    serve=overlays/k8s-1.20; other=default
  fi
  staged=$("$py" -c 'import sys, k8stest; from pathlib import Path; print(k8stest.stage_manifests(Path(sys.argv[1])))' "$work")

  dry_run_kustomize() { # dry_run_kustomize VARIANT_DIR
    local dir=$1 tmp
    tmp=$(mktemp -d "$work/kz.XXXXXX")
    # The same build, re-targeted at the dry-run namespace by a one-line overlay.
    printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: %s\nresources:\n  - %s\n' \
      "$dry_ns" "$(realpath --relative-to="$tmp" "$dir")" >"$tmp/kustomization.yaml"
    "$kz" kustomize --load-restrictor LoadRestrictionsNone "$tmp" >"$tmp/all.yaml" || return 1
    k apply --dry-run=server -f "$tmp/all.yaml"
  }
  if [[ -z $kz ]]; then
    fail "kustomize: $(cat "$work/out")"
  else
    variant_dir=$staged; [[ $serve == default ]] || variant_dir=$staged/$serve
    check "kubectl apply --dry-run=server -k kubernetes/${serve#default} (server $server)" dry_run_kustomize "$variant_dir"
    skip "kubectl apply --dry-run=server -k kubernetes/${other#default}: server $server does not serve its PDB/HPA API versions; its other objects are identical to the variant above"
  fi
  check "kubectl apply --dry-run=server -f kubernetes/extras/persistent-volume.yaml" \
    k apply --dry-run=server -f "$repo/kubernetes/extras/persistent-volume.yaml"

  dry_run_chart() { # dry_run_chart [--values FILE]...
    "$py" "$here/render.py" --hooks --discover "$kubectl_apply" "$kubeconfig" --discovery-cache "$work/discovery.json" \
      --namespace "$dry_ns" "$@" >"$work/chart.yaml" || return 1
    k apply --dry-run=server -n "$dry_ns" -f "$work/chart.yaml"
  }
  check "helm/todo-app rendered for $server (default values) --dry-run=server" dry_run_chart
  for vf in values-bare.yaml values-minikube.yaml values-cloud.yaml; do
    check "helm/todo-app rendered for $server with $vf --dry-run=server" dry_run_chart --values "$vf"
  done
  k delete namespace "$dry_ns" --wait=false >/dev/null 2>&1 || true
  dry_ns=""

  if ((deploy)); then
    echo "== deploy kubernetes/ (deploy.sh)"
    KUBECTL=$kubectl_apply KUSTOMIZE_KUBECTL=$kz LABRUN_KUBECONFIG=$kubeconfig \
      "$here/deploy.sh" 2>&1 | tee "$work/deploy.log" || true
    add_counts "$work/deploy.log"
  else
    skip "deploy.sh: --no-deploy"
  fi
  if ((helm_release)); then
    echo "== helm install/test/upgrade/rollback (helm_release.py)"
    check "monitoring/build-image.sh (labrun/todo-prometheus:dev from Debian's prometheus)" "$repo/monitoring/build-image.sh"
    (cd "$here" && KUBECTL=$kubectl_apply LABRUN_KUBECONFIG=$kubeconfig "$py" helm_release.py) 2>&1 \
      | tee "$work/helm-release.log" || true
    add_counts "$work/helm-release.log"
  else
    skip "helm_release.py: --no-helm-release"
  fi
fi

finished=1
echo
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
