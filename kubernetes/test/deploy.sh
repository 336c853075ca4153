#!/usr/bin/env bash
# Deploy kubernetes/ to a live cluster (the bare cluster by default) and check that the stack
# really works there:
#   - the variant the server serves (kubernetes/ or overlays/k8s-1.20, chosen by discovery) applies;
#   - PostgreSQL, backend, frontend and the model service (the stand-in for the model provider)
#     become ready; the data claim is Bound; 3 backend endpoints;
#   - a task is created, read, completed and deleted through the frontend Service (api-check.py,
#     the same script `helm test` runs), from a pod labelled as a client;
#   - the backend runs as uid 10001 on a read-only root filesystem and knows its pod name; so does
#     the model service, which the backend reaches at model-service:8000;
#   - a rolling restart of the backend under steady load loses no request (preStop + drain);
#   - NetworkPolicy: the frontend cannot open postgres:5432 nor model-service:8000 (or, where the
#     network plugin does not enforce policies, the check says so plainly and counts as skipped,
#     never as passed).
# The namespace is deleted at the end, on failure and on Ctrl-C. Prints "N passed, N failed, N skipped".
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: kubernetes/test/deploy.sh [--keep]

  --keep   leave the namespace and the stack running afterwards (for a look around)

Environment:
  LABRUN_KUBECONFIG           cluster (default /var/lib/labrun/bare/admin.kubeconfig)
  LABRUN_K8S_TEST_NAMESPACE   namespace to deploy into (default todo). It must not exist, or be a
                              leftover of this script (annotation labrun.dev/created-by). When
                              the default `todo` is in use by someone else, the stack goes to
                              labrun-k8s-test-deploy instead (it works in any namespace).
  KUBECTL                     kubectl that talks to the server (default: kubectl on PATH)
  KUSTOMIZE_KUBECTL           kubectl 1.21+ whose kustomize builds kubernetes/ (default /usr/bin/kubectl)
USAGE
}

keep=0
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --keep) keep=1 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
kubeconfig=${LABRUN_KUBECONFIG:-/var/lib/labrun/bare/admin.kubeconfig}
ns=${LABRUN_K8S_TEST_NAMESPACE:-todo}
KUBECTL=${KUBECTL:-kubectl}
KUSTOMIZE_KUBECTL=${KUSTOMIZE_KUBECTL:-/usr/bin/kubectl}
owner_key=labrun.dev/created-by
owner_value=kubernetes-test-deploy

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "PASS  $*"; }
fail() { failed=$((failed + 1)); echo "FAIL  $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP  $*"; }
finished=0
finish() { finished=1; echo; echo "$passed passed, $failed failed, $skipped skipped"; }
# judge PASS_MESSAGE FAIL_MESSAGE COMMAND... : PASS when COMMAND succeeds, FAIL otherwise.
judge() { local ok=$1 bad=$2; shift 2; if "$@"; then pass "$ok"; else fail "$bad"; fi; }

kc() { "$KUBECTL" --kubeconfig "$kubeconfig" --request-timeout=60s "$@"; }
k() { kc -n "$ns" "$@"; }

work=$(mktemp -d /tmp/labrun-k8s-deploy.XXXXXX)
created=0

ours() { [[ $(kc get namespace "$ns" -o "jsonpath={.metadata.annotations.labrun\.dev/created-by}" 2>/dev/null) == "$owner_value" ]]; }

delete_namespace() {
  kc delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  local _
  for _ in $(seq 1 120); do
    kc get namespace "$ns" >/dev/null 2>&1 || return 0
    sleep 1
  done
  echo "deploy.sh: namespace $ns still terminating after 120 s" >&2
  return 1
}

cleanup() {
  local rc=$?
  if ((finished == 0)); then
    fail "deploy.sh stopped early (exit $rc) at line ${stopped_at:-?}: see the output above"
    ((rc != 0)) || rc=1
  fi
  if ((created)) && ((keep == 0)); then
    echo "== cleanup: deleting namespace $ns"
    delete_namespace || true
  elif ((created)); then
    echo "== --keep: namespace $ns left running; remove it with: kubectl delete namespace $ns"
  fi
  rm -rf "$work"
  ((finished)) || finish
  exit "$rc"
}
trap cleanup EXIT
trap 'stopped_at=$LINENO' ERR
trap 'echo "deploy.sh: interrupted" >&2; exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
echo "== preflight"
if ! kc get --raw /readyz >/dev/null 2>&1; then
  fail "the API server in $kubeconfig does not answer"
  finish; exit 1
fi
server=$(kc version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')
echo "server $server, namespace $ns"

missing=()
for image in labrun/todo-backend:dev labrun/todo-frontend:dev labrun/todo-postgres:dev labrun/todo-model-service:dev; do
  docker image inspect "$image" >/dev/null 2>&1 || missing+=("$image")
done
if ((${#missing[@]})); then
  echo "deploy.sh: building missing images (${missing[*]}) with docker/build.sh" >&2
  if "$repo/docker/build.sh" >"$work/build.log" 2>&1; then
    pass "images built by docker/build.sh"
  else
    fail "docker/build.sh failed; last lines:"; tail -n 20 "$work/build.log" | sed 's/^/      /'
    finish; exit 1
  fi
else
  pass "images labrun/todo-{backend,frontend,postgres,model-service}:dev are on the node's Docker engine"
fi

if [[ -z ${LABRUN_K8S_TEST_NAMESPACE:-} ]] && kc get namespace "$ns" >/dev/null 2>&1 && ! ours; then
  echo "deploy.sh: namespace $ns is in use by someone else: deploying into labrun-k8s-test-deploy instead" >&2
  ns=labrun-k8s-test-deploy
fi
if kc get namespace "$ns" >/dev/null 2>&1; then
  if ours; then
    echo "deploy.sh: namespace $ns is a leftover of an earlier run; deleting it" >&2
    delete_namespace || { fail "leftover namespace $ns would not go away"; finish; exit 1; }
  else
    fail "namespace $ns exists and was not created by this test: not touching it (delete it, or set LABRUN_K8S_TEST_NAMESPACE)"
    finish; exit 1
  fi
fi

# ---------------------------------------------------------------------------------------------
echo "== apply"
kc create namespace "$ns" >/dev/null
created=1
kc annotate namespace "$ns" "$owner_key=$owner_value" >/dev/null
# Pods are admitted only once the namespace's default ServiceAccount exists.
for _ in $(seq 1 60); do k get serviceaccount default >/dev/null 2>&1 && break; sleep 0.5; done

# A copy of kubernetes/ with a fresh secret: the developer's own env file is never read.
mkdir -p "$work/src"
tar -C "$repo" --exclude='*.env' -cf - kubernetes | tar -C "$work/src" -xf -
"$work/src/kubernetes/generate-secret.sh" >/dev/null

if kc api-versions | grep -qx policy/v1 && kc api-versions | grep -qx autoscaling/v2; then
  variant=$work/src/kubernetes; label="kubernetes/"
else
  variant=$work/src/kubernetes/overlays/k8s-1.20; label="kubernetes/overlays/k8s-1.20"
fi
mkdir -p "$work/overlay"
printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: %s\nresources:\n  - %s\n' \
  "$ns" "$(realpath --relative-to="$work/overlay" "$variant")" >"$work/overlay/kustomization.yaml"
if "$KUSTOMIZE_KUBECTL" kustomize --load-restrictor LoadRestrictionsNone "$work/overlay" >"$work/stack.yaml" 2>"$work/err" \
  && kc apply -f "$work/stack.yaml" >"$work/apply.log" 2>>"$work/err"; then
  pass "kubectl apply -k $label (chosen by the server's discovery; $(grep -c '^kind:' "$work/stack.yaml") objects)"
else
  fail "kubectl apply -k $label"; sed 's/^/      /' "$work/err"
  finish; exit 1
fi

# ---------------------------------------------------------------------------------------------
echo "== readiness"
ready=1
for target in statefulset/postgres deployment/backend deployment/frontend deployment/model-service; do
  if k rollout status "$target" --timeout=300s >"$work/out" 2>&1; then
    pass "$target is ready"
  else
    ready=0
    fail "$target did not become ready within 300 s"
    sed 's/^/      /' "$work/out"
    k get pods -o wide 2>&1 | sed 's/^/      /'
    k describe "$target" 2>&1 | tail -n 25 | sed 's/^/      /'
    k logs "$target" --all-containers --tail=30 2>&1 | sed 's/^/      /' || true
  fi
done
if ((ready == 0)); then
  k get events --sort-by=.lastTimestamp 2>&1 | tail -n 30 | sed 's/^/      /'
  finish; exit 1
fi

phase=$(k get pvc data-postgres-0 -o jsonpath='{.status.phase}')
judge "PVC data-postgres-0 is Bound ($(k get pvc data-postgres-0 -o jsonpath='{.spec.storageClassName}'))" \
  "PVC data-postgres-0 is $phase, not Bound" test "$phase" = Bound
# Endpoints follow pod readiness after the endpoint controller's batch period (1 s on the bare
# cluster, like the propagation delay of a real one): poll for up to 30 s rather than read once.
for _ in $(seq 1 30); do
  endpoints=$(k get endpoints backend -o jsonpath='{range .subsets[*].addresses[*]}{.ip}{" "}{end}' | wc -w)
  ((endpoints == 3)) && break
  sleep 1
done
judge "Service backend has 3 ready endpoints" "Service backend has $endpoints ready endpoints, want 3" test "$endpoints" -eq 3

# ---------------------------------------------------------------------------------------------
echo "== API through the frontend Service"
# run_client NAME SCRIPT [ENV=VALUE...] : run a Python script in a client pod, print its log,
# succeed when the pod succeeded. The pod gets JWT_SECRET (Secret todo-auth), JWT_ISSUER and
# JWT_AUDIENCE to sign its own user's token, as labrun does.
run_client() {
  local name=$1 script=$2; shift 2
  local env_yaml="" pair phase=""
  for pair in "$@"; do env_yaml+="        - {name: ${pair%%=*}, value: \"${pair#*=}\"}"$'\n'; done
  k create configmap "$name" --from-file=script.py="$script" >/dev/null
  k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $name
  labels:
    app.kubernetes.io/name: todo
    app.kubernetes.io/component: test
    todo.labrun.dev/client: "true"
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: client
      image: labrun/todo-backend:dev
      imagePullPolicy: IfNotPresent
      command: ["python3", "/check/script.py"]
      env:
        - {name: TARGET_URL, value: "http://frontend:8080"}
        - {name: JWT_SECRET, valueFrom: {secretKeyRef: {name: todo-auth, key: JWT_SECRET}}}
        - {name: JWT_ISSUER, valueFrom: {configMapKeyRef: {name: backend-config, key: JWT_ISSUER}}}
        - {name: JWT_AUDIENCE, valueFrom: {configMapKeyRef: {name: backend-config, key: JWT_AUDIENCE}}}
$env_yaml      securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: ["ALL"]}}
      volumeMounts: [{name: check, mountPath: /check}]
  volumes: [{name: check, configMap: {name: $name}}]
EOF
  local _
  for _ in $(seq 1 240); do
    phase=$(k get pod "$name" -o jsonpath='{.status.phase}' 2>/dev/null || true)
    [[ $phase == Succeeded || $phase == Failed ]] && break
    sleep 1
  done
  k logs "$name" >"$work/$name.log" 2>&1 || true
  [[ $phase == Succeeded ]]
}

if run_client labrun-k8s-test-api "$repo/helm/todo-app/files/api-check.py" EXPECT_SERVED_BY_PREFIX=backend-; then
  pass "create, read, complete and delete a task through the frontend Service"
else
  fail "API check through the frontend Service"
fi
sed 's/^/      /' "$work/labrun-k8s-test-api.log"

# ---------------------------------------------------------------------------------------------
echo "== pod hardening"
pod=$(k get pods -l app.kubernetes.io/component=backend -o jsonpath='{.items[0].metadata.name}')
uid=$(k exec "$pod" -- id -u 2>/dev/null || true)
judge "backend runs as uid 10001" "backend runs as uid '$uid', want 10001" test "$uid" = 10001
if k exec "$pod" -- touch /probe-readonly >/dev/null 2>&1; then
  fail "backend's root filesystem is writable"
else
  pass "backend's root filesystem is read-only"
fi
judge "backend can write /tmp (emptyDir)" "backend cannot write /tmp" k exec "$pod" -- touch /tmp/probe-writable
name_env=$(k exec "$pod" -- printenv POD_NAME 2>/dev/null || true)
judge "POD_NAME comes from the downward API ($pod)" "POD_NAME is '$name_env', want $pod" test "$name_env" = "$pod"

model=$(k get pods -l app.kubernetes.io/component=model-service -o jsonpath='{.items[0].metadata.name}')
uid=$(k exec "$model" -- id -u 2>/dev/null || true)
judge "model service runs as uid 10001" "model service runs as uid '$uid', want 10001" test "$uid" = 10001
if k exec "$model" -- touch /probe-readonly >/dev/null 2>&1; then
  fail "model service's root filesystem is writable"
else
  pass "model service's root filesystem is read-only"
fi
# The backend reaches the stand-in by its Service name, as MODEL_BASE_URL says (no key needed for /readyz).
reach_model='import os, urllib.request; urllib.request.urlopen(os.environ["MODEL_BASE_URL"].rsplit("/v1", 1)[0] + "/readyz", timeout=5)'
judge "the backend reaches the model service at MODEL_BASE_URL" "the backend cannot reach the model service at MODEL_BASE_URL" \
  k exec "$pod" -- python3 -c "$reach_model"

# ---------------------------------------------------------------------------------------------
echo "== rolling restart of the backend under load"
# The load pod runs 100 s; the restart starts once it is running and takes well under that.
run_client_bg() { run_client labrun-k8s-test-load-run "$here/rollout_load.py" DURATION_SECONDS=100 INTERVAL_SECONDS=0.05; }
run_client_bg >"$work/load.status" 2>&1 &
load_pid=$!
for _ in $(seq 1 60); do
  [[ $(k get pod labrun-k8s-test-load-run -o jsonpath='{.status.phase}' 2>/dev/null || true) == Running ]] && break
  sleep 1
done
sleep 5
k rollout restart deployment/backend >/dev/null
if k rollout status deployment/backend --timeout=240s >"$work/out" 2>&1; then
  pass "backend rolled (rollout restart) to 3 new ready pods"
else
  fail "backend rollout did not finish"; sed 's/^/      /' "$work/out"
fi
wait "$load_pid" || true
result=$(tail -n 1 "$work/labrun-k8s-test-load-run.log" 2>/dev/null || true)
if python3 -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r["requests"] > 100 and r["errors"] == 0 else 1)' "$result" 2>/dev/null; then
  pass "no request failed during the rolling restart ($result)"
else
  fail "requests failed during the rolling restart: ${result:-no result}"
fi

# ---------------------------------------------------------------------------------------------
echo "== NetworkPolicy: frontend -> postgres, frontend -> model-service"
fe=$(k get pods -l app.kubernetes.io/component=frontend -o jsonpath='{.items[0].metadata.name}')
# connect HOST PORT : open a TCP connection from the frontend pod (bash's /dev/tcp, 5 s limit).
connect() { k exec "$fe" -- timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2" >/dev/null 2>&1; }
if ! connect backend 8000; then
  fail "control: the frontend cannot reach backend:8000 either, so the postgres check would prove nothing"
elif connect postgres 5432; then
  plugins=$(cat /etc/cni/net.d/*.conf* /var/lib/labrun/bare/cni/net.d/*.conf* 2>/dev/null \
    | grep -Eo '"type" *: *"[a-z0-9-]+"' | sed -E 's/.*"([a-z0-9-]+)"$/\1/' | sort -u | paste -sd, || true)
  skip "NetworkPolicy NOT ENFORCED on this cluster: the frontend pod opened postgres:5432 although policy 'postgres' admits only the backend. The network plugin (${plugins:-unknown}; the bare cluster uses the plain bridge CNI) does not implement NetworkPolicy. Run this on Minikube with --cni=calico (or any enforcing plugin) to see it blocked."
elif connect model-service 8000; then
  fail "NetworkPolicy: the frontend opened model-service:8000 although postgres:5432 is blocked (policy 'model-service' admits only the backend, client pods and Prometheus)"
else
  pass "NetworkPolicy enforced: the frontend cannot open postgres:5432 nor model-service:8000, while backend:8000 stays reachable"
fi

finish
((failed == 0))
