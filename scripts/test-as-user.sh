#!/usr/bin/env bash
# The developer's-machine check, run here for real: a normal user (no root; in the docker group)
# builds labrun and the stack's images from their own copy of the checkout, then runs
# `labrun up --provider existing` and scenarios against the bare cluster's API, reaching the stack
# through port-forwards, and leaves nothing behind.
#
#   sudo scripts/test-as-user.sh          (root: creates the user if needed; the bare cluster must run)
#
# Environment: LABRUN_TEST_USER (default labrun-dev), LABRUN_USER_SCENARIOS: scenario=verdict pairs
# (default "chaos-pod-kill=passed chaos-network-partition=faultNotLanded": the bare cluster's network
# plugin enforces no NetworkPolicy, which the existing provider cuts with, so the honest outcome of
# the partition is that labrun proves the cut did not land). Prints one line per check and
# "N passed, N failed".
set -uo pipefail

usage() { sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; }
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "test-as-user: run as root (it creates the test user and hands it a kubeconfig)" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
user=${LABRUN_TEST_USER:-labrun-dev}
scenarios=${LABRUN_USER_SCENARIOS:-chaos-pod-kill=passed chaos-network-partition=faultNotLanded}
admin=/var/lib/labrun/bare/admin.kubeconfig
namespace=labrun-user-check
passed=0 failed=0
check() { # check NAME CMD...: runs CMD, prints PASS/FAIL with the time it took
  local name=$1 start rc; shift
  start=$(date +%s)
  "$@"; rc=$?
  if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); echo "PASS $name ($(( $(date +%s) - start ))s)"
  else failed=$((failed + 1)); echo "FAIL $name (exit $rc, $(( $(date +%s) - start ))s)"; fi
  return "$rc"
}
finish() { echo "user: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; }
if ! kubectl --kubeconfig "$admin" get --raw /readyz >/dev/null 2>&1 && ! "$here/cluster/bare/status" >/dev/null 2>&1; then
  echo "test-as-user: the bare cluster does not answer (start it with cluster/bare/up)"; failed=1; finish; exit 1
fi

# 1. The user: an ordinary account whose only extra right is the Docker socket.
getent group docker >/dev/null || groupadd --system docker
id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
usermod -aG docker "$user"
home=$(getent passwd "$user" | cut -d: -f6)
swift_bin=$(dirname "$(readlink -f "$(command -v swift)")")

# 2. Their own copy of the checkout (tracked files as they are now), and a kubeconfig of their own
#    with labrun's rights only.
rm -rf "$home/labrun"
mkdir -p "$home/labrun" "$home/.kube"
(cd "$here" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -C "$home/labrun" -xf -
# The kubeconfig holds a ServiceAccount token with only labrun's ClusterRole
# (specs/infrastructure/labrun-rbac.yaml), not the cluster's admin certificate: the run proves that
# list of rights is enough, as a cloud user would be given it.
rbac_namespace=labrun-users
kube_admin() { kubectl --kubeconfig "$admin" "$@"; }
kube_admin apply -f "$here/specs/infrastructure/labrun-rbac.yaml" >/dev/null
# A fresh ServiceAccount each time: the last run's namespace may still be terminating (it is deleted
# without waiting, and the bare cluster keeps its state across down and up), and a token read from
# it would be revoked a moment later.
kube_admin delete namespace "$rbac_namespace" --ignore-not-found --wait=true --timeout=120s >/dev/null
kube_admin create namespace "$rbac_namespace" --dry-run=client -o yaml | kube_admin apply -f - >/dev/null
kube_admin -n "$rbac_namespace" create serviceaccount "$user" --dry-run=client -o yaml | kube_admin apply -f - >/dev/null
kube_admin create clusterrolebinding "labrun-$user" --clusterrole labrun --serviceaccount "$rbac_namespace:$user" \
  --dry-run=client -o yaml | kube_admin apply -f - >/dev/null
token=""
for _ in $(seq 1 50); do  # Kubernetes 1.20 writes the token Secret shortly after the ServiceAccount
  secret=$(kube_admin -n "$rbac_namespace" get serviceaccount "$user" -o jsonpath='{.secrets[0].name}' 2>/dev/null)
  [ -n "$secret" ] && token=$(kube_admin -n "$rbac_namespace" get secret "$secret" -o jsonpath='{.data.token}' | base64 -d) && [ -n "$token" ] && break
  sleep 0.2
done
[ -n "$token" ] || { echo "test-as-user: no token for ServiceAccount $rbac_namespace/$user"; failed=1; finish; exit 1; }
server=$(kube_admin config view --raw -o jsonpath='{.clusters[0].cluster.server}')
kube_admin config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$home/.kube/ca.crt"
rm -f "$home/.kube/config"
user_kube() { kubectl --kubeconfig "$home/.kube/config" "$@" >/dev/null; }
user_kube config set-cluster labrun-bare --server "$server" --certificate-authority "$home/.kube/ca.crt" --embed-certs=true
user_kube config set-credentials "$user" --token "$token"
user_kube config set-context labrun-bare --cluster labrun-bare --user "$user"
user_kube config use-context labrun-bare
rm -f "$home/.kube/ca.crt"
chmod 600 "$home/.kube/config"
# This machine's Swift package mirror (/etc/gitconfig: github.com → /opt/swift-packages) is owned
# by root, and git refuses another owner's repositories unless told they are safe.
user_git() { runuser -u "$user" -- env HOME="$home" git config --global "$@"; }
if [ -d /opt/swift-packages ] && ! user_git --get-all safe.directory 2>/dev/null | grep -qxF '*'; then
  user_git --add safe.directory '*'
fi
chown -R "$user:" "$home/labrun" "$home/.kube"
# as_user SCRIPT: runs SCRIPT in the user's copy, as the user, with a plain environment.
as_user() { runuser -u "$user" -- env -i HOME="$home" USER="$user" PATH="/usr/local/bin:/usr/bin:/bin:$swift_bin" \
  LANG=C.UTF-8 CI="${CI:-}" bash -c "cd '$home/labrun' && $1"; }

# shellcheck disable=SC2016  # expanded by the user's shell
check "the user is not root and reaches Docker" as_user '[ "$(id -u)" -ne 0 ] && docker info >/dev/null'
# 3. labrun builds as the user (the wrapper installs nothing for them).
check "./labrun builds as $user" as_user './labrun --help >/dev/null' || { finish; exit 1; }
# 4. The stack's images build as the user: the application images on the Debian bases already in
#    Docker, the wheels into the user's own cache. (labrun up finds the same content-hashed images.)
check "docker/build.sh as $user" as_user 'docker/build.sh --tag user-check >/tmp/labrun-user-build.log 2>&1 || { tail -n 30 /tmp/labrun-user-build.log; exit 1; }; test -d ~/.cache/labrun/wheels'
docker image rm labrun/todo-backend:user-check labrun/todo-model-service:user-check labrun/todo-frontend:user-check \
  labrun/todo-postgres:user-check >/dev/null 2>&1 || true

# 5. up, scenarios, down — the existing provider, through port-forwards.
common="--provider existing --kubeconfig $home/.kube/config --access port-forward"
check "labrun up --provider existing as $user" as_user "./labrun up $common --namespace $namespace"
# run_expecting SCENARIO VERDICT: the run ends with VERDICT and its exit status: 0 for passed, 2 for
# faultNotLanded (nothing proven), 1 for any other.
run_expecting() {
  local scenario=$1 verdict=$2 out rc expected=1
  out=$(as_user "./labrun run $scenario $common --parallel 1 --report-dir ~/labrun-reports/$scenario" 2>&1); rc=$?
  echo "$out" | grep -E "^(✓|✗) $scenario|\[failed\]|error:" | sed 's/^/    /'
  case $verdict in passed) expected=0 ;; faultNotLanded) expected=2 ;; esac
  if [ "$verdict" = passed ]; then [ "$rc" -eq 0 ]; else [ "$rc" -eq "$expected" ] && echo "$out" | grep -q "^✗ $scenario: $verdict in"; fi
}
# The scenarios side by side, each its own labrun process in its own namespace (as `labrun all`
# runs them: it saves CI a minute); their lines are printed in order once all have ended.
runs=$(mktemp -d) pids=()
for pair in $scenarios; do
  (check "labrun run ${pair%%=*} as $user ends ${pair#*=}" run_expecting "${pair%%=*}" "${pair#*=}" >"$runs/${pair%%=*}" 2>&1) &
  pids+=("$!")
done
i=0
for pair in $scenarios; do   # each check's own status counts it (its counters lived in its subshell)
  if wait "${pids[i]}"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  cat "$runs/${pair%%=*}"
  i=$((i + 1))
done
rm -rf "$runs"
check "labrun down --provider existing as $user" as_user "./labrun down $common --namespace $namespace"

# 6. Nothing left behind: no namespace of the user's runs, no port-forward, and the cluster still up.
left() {
  local namespaces processes
  namespaces=$(kubectl --kubeconfig "$admin" get namespaces -l labrun.dev/run -o name 2>/dev/null; \
               kubectl --kubeconfig "$admin" get namespace "$namespace" -o name 2>/dev/null)
  processes=$(pgrep -u "$user" -a kubectl || true)
  [ -z "$namespaces$processes" ] || { echo "left behind: $namespaces $processes"; return 1; }
  kubectl --kubeconfig "$admin" get --raw /readyz >/dev/null
}
check "nothing left behind, the cluster still up" left
# The token is not admin: it cannot read the cluster's roles, nor write outside what labrun needs.
not_admin() {
  local kube=(kubectl --kubeconfig "$home/.kube/config")
  ! "${kube[@]}" auth can-i create clusterroles >/dev/null 2>&1 && ! "${kube[@]}" auth can-i delete nodes >/dev/null 2>&1 \
    && ! "${kube[@]}" auth can-i create rolebindings -n kube-system >/dev/null 2>&1 && "${kube[@]}" auth can-i create deployments -n x >/dev/null 2>&1
}
check "the user's kubeconfig holds labrun's ClusterRole, not admin" not_admin
kube_admin delete clusterrolebinding "labrun-$user" --ignore-not-found >/dev/null
kube_admin delete namespace "$rbac_namespace" --ignore-not-found --wait=false >/dev/null
finish
