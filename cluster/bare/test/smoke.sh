#!/usr/bin/env bash
# Conformance-style smoke test of the bare cluster, from a clean host and back:
#   host snapshot -> up --nodes N (2 by default) -> checks -> down --purge -> snapshot diff.
# Checks: node Ready and version; a Deployment of a locally built image Available; Service routing
# by ClusterIP, NodePort on the node address and DNS names (from a pod); pod replacement after
# delete; restart after a container kill; a rolling update with maxUnavailable 0 under traffic
# with no failed request; PVC data surviving pod deletion (StatefulSet, headless DNS name);
# kubectl port-forward; idle control-plane RSS and CPU. With several nodes: replicas on every node,
# pods reaching each other across nodes, an image copied to the nodes without a registry, a node
# cut off and healed, stopped and started, and each extra node's cost (RSS, start time).
# Each check prints PASS/FAIL with its time.
# Traffic goes only to loopback, pod IPs, service IPs and the node's dummy address.
# Ends with "N passed, N failed". Run as root.
# shellcheck source-path=SCRIPTDIR/..
set -euo pipefail

usage() {
  cat <<EOF
usage: $0 [--nodes N] [-h|--help]
Bring up the bare cluster from a clean host with N nodes (default 2; 1 to 4), run the smoke checks,
take it down and verify that nothing is left behind. A cluster already running is taken down
(--purge) first.
EOF
}
nodes=2
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --nodes) [[ ${2:-} =~ ^[1-4]$ && $# -eq 2 ]] || { echo "smoke: --nodes takes 1 to 4" >&2; usage >&2; exit 2; }; nodes=$2 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bare=$(cd "$here/.." && pwd)
# shellcheck source=lib/common.sh
source "$bare/lib/common.sh"
source "$bare/lib/nodes.sh"
need_root "the bare-cluster smoke test"

passed=0 failed=0
work=$(mktemp -d /tmp/labrun-bare-smoke.XXXX)
ns=bare-smoke-$(date +%s)
cluster_started=0
pf_pid=""
report=()

ms_since() { echo $(( $(now_ms) - $1 )); }
fmt_s() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }
pass() { passed=$((passed + 1)); printf 'PASS  %-58s %s\n' "$1" "${2:-}"; }
fail() { failed=$((failed + 1)); printf 'FAIL  %-58s %s\n' "$1" "${2:-}"; }
# check NAME COMMAND... : run COMMAND, print PASS/FAIL with the time it took.
check() {
  local name=$1 t; shift
  t=$(now_ms)
  if "$@" >"$work/last.out" 2>&1; then
    pass "$name" "($(fmt_s "$(ms_since "$t")"))"
  else
    fail "$name" "($(fmt_s "$(ms_since "$t")"))"
    sed 's/^/      | /' "$work/last.out" | tail -n 15
  fi
}
# until_true TIMEOUT_S COMMAND... : poll every 0.2 s.
until_true() {
  local deadline=$(( $(now_ms) + $1 * 1000 )); shift
  until "$@" >/dev/null 2>&1; do
    (( $(now_ms) < deadline )) || { echo "still false after timeout: $*"; return 1; }
    sleep 0.2
  done
}

summary_printed=0
summary() { echo "$passed passed, $failed failed"; summary_printed=1; }
cleanup() {
  local rc=$?
  [[ -n $pf_pid ]] && kill "$pf_pid" 2>/dev/null
  if (( cluster_started )); then
    echo "cleanup: taking the cluster down (down --purge)"
    "$bare/down" --purge >"$work/down-cleanup.log" 2>&1 || tail -n 20 "$work/down-cleanup.log"
  fi
  rm -rf "$work"
  # An unexpected stop (a failed command outside a check, Ctrl-C) counts as a failure, and the
  # summary stays the last line either way.
  if (( ! summary_printed )); then
    failed=$((failed + 1))
    echo "FAIL  the smoke test stopped early (exit status $rc)"
    summary
  fi
  exit "$rc"
}
trap cleanup EXIT
set -E
trap 'echo "smoke: line $LINENO failed: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

# --- test image: busybox (httpd, wget, nslookup, sh) from Debian's busybox-static ----------------
install_missing busybox-static curl
"$REPO_ROOT/scripts/ensure-docker.sh"
recipe='rootfs: /bin/busybox + applet links; /tmp 1777; USER 10001'
img_hash=$( { sha256sum /bin/busybox; echo "$recipe"; } | sha256sum | cut -c1-12)
IMAGE=labrun/bare-smoke:$img_hash
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  root=$work/rootfs
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/data"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/:/bin/sh\nsmoke:x:10001:10001:smoke:/tmp:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nsmoke:x:10001:\n' >"$root/etc/group"
  tar -C "$root" -c . | docker import -c 'USER 10001' -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
  rm -rf "$root"
fi
echo "test image $IMAGE"

# --- a clean start ------------------------------------------------------------------------------
if [[ -d $STATE_DIR ]]; then
  echo "a previous cluster state exists in $STATE_DIR: taking it down (--purge) before the snapshot"
  "$bare/down" --purge >"$work/down-previous.log" 2>&1
fi
"$here/host-snapshot.sh" >"$work/before.snap"

cold=warm
"$bare/lib/build-kubernetes.sh" --check >/dev/null 2>&1 || cold=cold
t=$(now_ms)
cluster_started=1
# up's progress is shown as it happens (a cold run builds Kubernetes for 10 minutes or more).
up_rc=0
"$bare/up" --nodes "$nodes" 2>&1 | tee "$work/up.log" | sed -u 's/^/   up | /' || up_rc=${PIPESTATUS[0]}
if (( up_rc == 0 )); then
  up_ms=$(ms_since "$t")
  pass "up, $nodes node(s) ($cold: binaries $([[ $cold == warm ]] && echo cached || echo built))" "($(fmt_s "$up_ms"))"
else
  fail "up" "($(fmt_s "$(ms_since "$t")"))"
  "$bare/down" --purge >"$work/down-cleanup.log" 2>&1 || tail -n 20 "$work/down-cleanup.log"
  cluster_started=0
  summary
  exit 1
fi

BIN=$("$bare/lib/build-kubernetes.sh" --check)
kc() { "$BIN/kubectl" --kubeconfig "$ADMIN_KUBECONFIG" --cache-dir "$KUBECTL_CACHE" --request-timeout=20s "$@"; }
kn() { kc -n "$ns" "$@"; }
in_client() { kn exec client -- "$@"; }

t=$(now_ms)
again_ok=0
"$bare/up" >"$work/up2.log" 2>&1 && grep -q "already up" "$work/up2.log" && again_ok=1
if (( again_ok )); then pass "second up changes nothing" "($(fmt_s "$(ms_since "$t")"))"
else fail "second up changes nothing" "($(fmt_s "$(ms_since "$t")"))"; tail -5 "$work/up2.log"; fi

check "status reports every component up" "$bare/status"

server_version() { kc version -o json | grep -q '"gitVersion": "v1.20.2"'; }
check "kube-apiserver reports v1.20.2" server_version
node_ready() { kc get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True; }
for k in $(seq 1 "$nodes"); do check "node $(node_name "$k") Ready" node_ready "$(node_name "$k")"; done

# refused ADDRESS PORT : a connection is refused at once (curl exit status 7), having checked first
# that the address is local or routed to the node link, so that a broken guard sends nothing out.
refused() {
  local route rc=0
  route=$(ip route get "$1")
  echo "$route"
  [[ $route == local* || $route == *" dev $NODE_LINK "* ]] || { echo "$1 is routed off the node"; return 1; }
  curl -sS -m 2 -o /dev/null "http://$1:$2/" || rc=$?
  echo "curl exit status $rc (7: refused, 28: timed out)"
  [[ $rc -eq 7 ]]
}
# No pod exists yet, so there is no cni0: the state after a restart, when kube-proxy sends Services
# to pod addresses with nothing behind them. Such connections, and those to a Service address that
# kube-proxy has not programmed, must be refused at once, never sent out of the machine.
no_pod_refused() {
  if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then echo "$CNI_BRIDGE exists already"; return 1; fi
  refused "${POD_CIDR%%.0.0/*}.255.1" 80
}
check "a pod address with no pod behind it is refused, not routed out" no_pod_refused
check "a Service address with no Service is refused, not routed out" refused 10.111.255.254 80

# --- idle control plane -------------------------------------------------------------------------
measure_idle() {
  local pids=() c p total_kb=0 t0 t1 j0=0 j1=0 hz
  hz=$(getconf CLK_TCK)
  for c in "${COMPONENTS[@]}"; do
    p=$(<"$RUN_DIR/$c.pid")
    # The component and its children (the watchers' kubectl processes).
    mapfile -t -O "${#pids[@]}" pids < <(echo "$p"; pgrep -g "$p" | grep -v -x "$p" || true)
  done
  jiffies() { local s=0 p; for p in "${pids[@]}"; do
      [[ -r /proc/$p/stat ]] && s=$(( s + $(awk '{print $14 + $15}' "/proc/$p/stat") )); done; echo "$s"; }
  t0=$(now_ms); j0=$(jiffies); sleep 10; j1=$(jiffies); t1=$(now_ms)
  for p in "${pids[@]}"; do
    [[ -r /proc/$p/status ]] && total_kb=$(( total_kb + $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status") ))
  done
  idle_rss_mib=$(( total_kb / 1024 ))
  idle_cpu=$(awk -v j=$(( j1 - j0 )) -v hz="$hz" -v ms=$(( t1 - t0 )) 'BEGIN { printf "%.1f", 100 * j / hz / (ms / 1000) }')
  echo "idle control plane (${#pids[@]} processes): RSS $idle_rss_mib MiB, CPU $idle_cpu % of one core over 10 s"
}
measure_idle
report+=("idle RSS ${idle_rss_mib} MiB, CPU ${idle_cpu}%")

# --- the extra nodes: their cost, and images without a registry ---------------------------------
# What one extra node costs at rest: the resident memory of everything in its cgroup tree (its
# namespace holder, dockerd, containerd, kubelet and kube-proxy; no pod runs yet).
node_rss_mib() {
  local kb=0 p
  for p in $(node_pids "$1"); do
    [[ -r /proc/$p/status ]] && kb=$(( kb + $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status") ))
  done
  echo $(( kb / 1024 ))
}
node_jiffies() {
  local j=0 p
  for p in $(node_pids "$1"); do [[ -r /proc/$p/stat ]] && j=$(( j + $(awk '{print $14 + $15}' "/proc/$p/stat") )); done
  echo "$j"
}
for k in $(seq 2 "$nodes"); do
  j0=$(node_jiffies "$k"); sleep 5; j1=$(node_jiffies "$k")
  cpu=$(awk -v j=$(( j1 - j0 )) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", 100 * j / hz / 5 }')
  report+=("node $(node_name "$k") at rest: RSS $(node_rss_mib "$k") MiB, CPU $cpu% of one core")
done
images_on_nodes() {
  "$bare/load-images" "$IMAGE" || return 1
  local k
  for k in $(seq 2 "$nodes"); do node_docker "$k" image inspect "$IMAGE" >/dev/null || { echo "node $k lacks $IMAGE"; return 1; }; done
}
(( nodes == 1 )) || check "load-images copies $IMAGE to every extra node, no registry" images_on_nodes

# --- workloads ----------------------------------------------------------------------------------
kc create namespace "$ns" >/dev/null
# Pods are refused until the namespace's default ServiceAccount has its token.
sa_token() { kn get serviceaccount default -o jsonpath='{.secrets[0].name}' | grep -q .; }
until_true 30 sa_token

kn apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 10
      securityContext: {runAsNonRoot: true, runAsUser: 10001}
      # One replica a node while there are nodes enough.
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
      containers:
      - name: web
        image: $IMAGE
        imagePullPolicy: Never
        env: [{name: VERSION, value: v1}]
        # sh stays PID 1 so that SIGTERM ends the pod at once (httpd as PID 1 would ignore it).
        command: ["sh", "-c", "mkdir -p /tmp/www && echo \"\$HOSTNAME \$VERSION\" > /tmp/www/index.html && trap 'exit 0' TERM && httpd -f -p 8080 -h /tmp/www & wait"]
        ports: [{containerPort: 8080}]
        readinessProbe:
          httpGet: {path: /, port: 8080}
          periodSeconds: 1
          failureThreshold: 1
        lifecycle:
          preStop:
            exec: {command: ["sleep", "3"]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: 31080}]
---
apiVersion: v1
kind: Pod
metadata: {name: far}
spec:
  nodeName: $(node_name "$nodes")   # the last node: with several, the target of the node faults
  terminationGracePeriodSeconds: 1
  securityContext: {runAsNonRoot: true, runAsUser: 10001}
  containers:
  - name: far
    image: $IMAGE
    imagePullPolicy: Never
    command: ["sh", "-c", "mkdir -p /tmp/www && echo \"\$HOSTNAME\" > /tmp/www/index.html && trap 'exit 0' TERM && httpd -f -p 8080 -h /tmp/www & wait"]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: $(node_name "$nodes")   # the last node: with several, DNS and Services are used from an extra node
  terminationGracePeriodSeconds: 1
  securityContext: {runAsNonRoot: true, runAsUser: 10001}
  containers:
  - name: client
    image: $IMAGE
    imagePullPolicy: Never
    command: ["sleep", "100000"]
EOF

check "Deployment of a locally built image becomes Available" \
  kn wait deployment/web --for=condition=Available --timeout=60s
check "client pod Ready" kn wait pod/client pod/far --for=condition=Ready --timeout=60s
web_nodes() { kn get pods -l app=web -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u; }
spread_over_nodes() { web_nodes; [[ $(web_nodes | grep -c .) -eq 2 ]]; }
pods_across_nodes() {
  local ip
  for ip in $(kn get pods -l app=web -o jsonpath='{.items[*].status.podIP}'); do
    in_client timeout 5 wget -qO- "http://$ip:8080/" || { echo "no answer from $ip"; return 1; }
  done
}
if (( nodes > 1 )); then
  check "the two web replicas run on two nodes" spread_over_nodes
  check "a pod on $(node_name "$nodes") reaches each web pod at its address" pods_across_nodes
fi

cluster_ip=$(kn get service web -o jsonpath='{.spec.clusterIP}')
# spread URL : 30 requests reach both pods.
spread() {
  local url=$1 out
  out=$(for _ in $(seq 1 30); do curl -fsS -m 2 "$url"; done | awk '{print $1}' | sort | uniq -c)
  echo "$out"
  [[ $(wc -l <<<"$out") -ge 2 ]]
}
# kube-proxy programs a new endpoint within a second or two of the pod turning Ready: allow 10 s.
check "ClusterIP $cluster_ip:80 routes to both pods (from the host)" until_true 10 spread "http://$cluster_ip/"
check "NodePort $NODE_IP:31080 routes to both pods" until_true 10 spread "http://$NODE_IP:31080/"

dns_fqdn() { in_client timeout 5 wget -qO- "http://web.$ns.svc.cluster.local/"; }
dns_short() { in_client timeout 5 wget -qO- "http://web.$ns/" && in_client timeout 5 wget -qO- "http://web/"; }
api_from_pod() { in_client nslookup kubernetes.default.svc.cluster.local 2>&1 | grep -q 10.96.0.1; }
check "DNS: web.$ns.svc.cluster.local from a pod" dns_fqdn
check "DNS: web.$ns and web (search path) from a pod" dns_short
check "DNS: kubernetes.default resolves to 10.96.0.1 in a pod" api_from_pod
pod_to_node() { in_client timeout 5 wget -qO- "http://$NODE_IP:31080/"; }
check "pod reaches the node address $NODE_IP" pod_to_node

# The resource metrics API, served by labrun-metrics-standin (a stand-in for metrics-server,
# lib/metrics-standin.py): the web pods' usage as the HPA and `kubectl top` read it, once two samples
# 15 s apart give a rate; and the stand-in answers nobody but the API server's front proxy.
web_top() { [[ $(kn top pod -l app=web --no-headers | grep -c '^web-') -eq 2 ]]; }
check "kubectl top: both web pods' CPU and memory (metrics.k8s.io from labrun-metrics-standin)" until_true 60 web_top
standin_refuses_others() {
  local rc=0
  curl -sS -m 5 --cacert "$PKI_DIR/ca.crt" "https://$NODE_IP:$METRICS_PORT/apis/metrics.k8s.io/v1beta1" >/dev/null 2>&1 || rc=$?
  (( rc != 0 && rc != 7 && rc != 28 ))   # reached, and refused in the TLS handshake (no client certificate)
}
check "the metrics stand-in refuses a caller without the front proxy's certificate" standin_refuses_others
check "the metrics stand-in's unit tests" python3 -m unittest discover -s "$bare/test" -p 'test_metrics_standin.py'

# --- self-healing -------------------------------------------------------------------------------
# Ready pods of the Deployment that are not terminating, one name per line.
# shellcheck disable=SC2016 # a Go template
live_ready='{{range .items}}{{if not .metadata.deletionTimestamp}}{{$n := .metadata.name}}{{range .status.conditions}}{{if eq .type "Ready"}}{{if eq .status "True"}}{{$n}}{{"\n"}}{{end}}{{end}}{{end}}{{end}}{{end}}'
two_ready_without() {
  local gone=$1 names
  names=$(kn get pods -l app=web -o go-template="$live_ready")
  [[ $(grep -c . <<<"$names") -eq 2 ]] && ! grep -qx "$gone" <<<"$names"
}
victim=$(kn get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
replace() {
  kn delete pod "$victim" --wait=false && until_true 60 two_ready_without "$victim"
}
check "deleted pod replaced, 2 ready again" replace

victim=$(kn get pods -l app=web -o go-template="$live_ready" | sed -n 1p)
restarts() { kn get pod "$victim" -o jsonpath='{.status.containerStatuses[0].restartCount}'; }
restarted_ready() {
  [[ $(restarts) -ge 1 ]] && \
    [[ $(kn get pod "$victim" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]]
}
# node_index NODE_NAME : K of the node (1 for this host).
node_index() { local k; for k in $(seq 1 "$nodes"); do [[ $(node_name "$k") == "$1" ]] && echo "$k"; done; }
kill_container() {
  local id k
  k=$(node_index "$(kn get pod "$victim" -o jsonpath='{.spec.nodeName}')")
  id=$(node_docker "$k" ps -q --filter "name=^k8s_web_${victim}_${ns}_")
  [[ -n $id ]] || { echo "no container for $victim on node $k"; return 1; }
  node_docker "$k" kill "$id" >/dev/null
  until_true 60 restarted_ready
}
check "killed container restarted, pod Ready again" kill_container

# --- rolling update under traffic ---------------------------------------------------------------
rolling_update() {
  local stop=$work/stop-load ok=0 bad=0 loader
  rm -f "$stop"
  (
    while [[ ! -e $stop ]]; do
      if curl -fsS -m 2 "http://$cluster_ip/" >/dev/null 2>&1; then echo ok; else echo bad; fi
      sleep 0.05
    done >"$work/load.txt"
  ) &
  loader=$!
  sleep 1
  kn set env deployment/web VERSION=v2 >/dev/null
  kn rollout status deployment/web --timeout=120s
  sleep 2
  touch "$stop"
  wait "$loader"
  ok=$(grep -c '^ok' "$work/load.txt" || true)
  bad=$(grep -c '^bad' "$work/load.txt" || true)
  echo "requests during the rollout: $ok ok, $bad failed"
  report+=("rolling update: $ok ok, $bad failed")
  [[ $(curl -fsS -m 2 "http://$cluster_ip/" | awk '{print $2}') == v2 ]] && (( bad == 0 && ok > 20 ))
}
check "rolling update (maxUnavailable 0, preStop) completes, 0 failed requests" rolling_update
grep -h "requests during" "$work/last.out" | sed 's/^/      | /' || true

# --- storage ------------------------------------------------------------------------------------
kn apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      securityContext: {runAsNonRoot: true, runAsUser: 10001}
      containers:
      - name: db
        image: $IMAGE
        imagePullPolicy: Never
        command: ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8080 -h /data & wait"]
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 64Mi}}
EOF
db_ready() { [[ $(kn get pod db-0 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]; }
pvc_bound() {
  until_true 60 db_ready && kn get pvc data-db-0 -o jsonpath='{.status.phase} {.spec.storageClassName}' | grep -qx 'Bound labrun-hostpath'
}
check "StatefulSet PVC bound by the default class labrun-hostpath" pvc_bound
marker=survives-$RANDOM
write_data() { kn exec db-0 -- sh -c "echo $marker > /data/marker && cat /data/marker"; }
check "write to the PVC" write_data
old_uid=$(kn get pod db-0 -o jsonpath='{.metadata.uid}')
new_db_ready() { [[ $(kn get pod db-0 -o jsonpath='{.metadata.uid}') != "$old_uid" ]] && db_ready; }
data_survives() {
  kn delete pod db-0 --wait=false && until_true 60 new_db_ready &&
    [[ $(kn exec db-0 -- cat /data/marker) == "$marker" ]]
}
check "PVC data survives pod deletion" data_survives
headless() { in_client timeout 5 wget -qO- "http://db-0.db.$ns.svc.cluster.local:8080/marker" | grep -qx "$marker"; }
check "DNS: headless db-0.db.$ns.svc.cluster.local from a pod" until_true 15 headless

# --- port-forward -------------------------------------------------------------------------------
port_forward() {
  "$BIN/kubectl" --kubeconfig "$ADMIN_KUBECONFIG" --cache-dir "$KUBECTL_CACHE" -n "$ns" port-forward service/web 18080:80 \
    --address 127.0.0.1 >"$work/pf.log" 2>&1 &
  pf_pid=$!
  local rc=0
  { until_true 20 curl -fsS -m 2 http://127.0.0.1:18080/ && curl -fsS -m 2 http://127.0.0.1:18080/; } || rc=1
  kill "$pf_pid"; wait "$pf_pid" 2>/dev/null || true; pf_pid=""
  return "$rc"
}
check "kubectl port-forward to the Service" port_forward

# --- an extra node cut off and healed, stopped and started ----------------------------------------
if (( nodes > 1 )); then
  # The pod bound to the last node, and that node.
  fault_pod=far fault_node=$(node_name "$nodes")
  fault_ip=$(kn get pod "$fault_pod" -o jsonpath='{.status.podIP}')
  answers() { curl -fsS -m 2 "http://$fault_ip:8080/" >/dev/null; }
  cut_and_heal() {
    "$bare/node" cut "$fault_node" || return 1
    local rc=0
    curl -sS -m 2 -o /dev/null "http://$fault_ip:8080/" || rc=$?
    echo "while cut: curl exit status $rc (28: timed out, as across a partition)"
    "$bare/node" heal "$fault_node" || return 1
    (( rc == 28 )) && until_true 10 answers
  }
  check "node $fault_node cut off: its pod does not answer; healed: it does" cut_and_heal
  k=$(node_index "$fault_node")
  restarts_ready() { kn get pod "$fault_pod" -o jsonpath='{.status.containerStatuses[0].restartCount} {.status.conditions[?(@.type=="Ready")].status}'; }
  fault_pod_ready() { local got; got=$(restarts_ready); [[ ${got% *} -gt $1 && ${got#* } == True ]]; }
  stop_and_start() {
    local before
    before=$(restarts_ready); before=${before% *}
    "$bare/node" stop "$fault_node" || return 1
    [[ -z $(node_pids "$k") ]] || { echo "processes of $fault_node still run: $(node_pids "$k" | xargs)"; return 1; }
    answers && { echo "$fault_ip still answers"; return 1; }
    local t
    t=$(now_ms)
    "$bare/node" start "$fault_node" || return 1
    # Ready again with a heartbeat from the new kubelet, and the pod bound to it running again.
    until_true 60 fault_pod_ready "$before" || return 1
    node_start_ms=$(ms_since "$t")
    report+=("node $fault_node start to its pod Ready again: $(fmt_s "$node_start_ms")")
  }
  check "node $fault_node stopped (all its processes gone), started: its pod runs again" stop_and_start
fi

# --- cleanup of workloads: volumes are released and deleted --------------------------------------
pv_name=$(kn get pvc data-db-0 -o jsonpath='{.spec.volumeName}')
ns_gone() { ! kc get namespace "$ns" >/dev/null 2>&1; }
pv_gone() { ! kc get pv "$pv_name" >/dev/null 2>&1; }
delete_ns() {
  # Workloads first, waiting for their pods: the namespace controller backs off exponentially while
  # pods are still terminating (the kubelet confirms each deletion on a 10 s sync), which can stretch
  # a plain namespace deletion to 90 s.
  kn delete deployment,statefulset --all --wait=false >/dev/null
  kn delete pods --all --wait=true --timeout=60s >/dev/null
  kc delete namespace "$ns" --wait=false >/dev/null
  until_true 150 ns_gone
  kc delete pv "$pv_name" --wait=false >/dev/null 2>&1 || true   # Retain never applies; belt and braces
  until_true 30 pv_gone
}
check "namespace deleted and its volume released" delete_ns

# --- a stop for a restart keeps the node's network -----------------------------------------------
# While the cluster is stopped for a restart, its clients (the lab's load) are refused at once by
# the node, and nothing of theirs is routed out of the machine; the plain down below removes it all.
keep_network() {
  "$bare/down" --keep-network >"$work/down-keep.log" 2>&1 || { tail -n 20 "$work/down-keep.log"; return 1; }
  ! pid_alive kube-apiserver || { echo "kube-apiserver still runs"; return 1; }
  refused "$NODE_IP" 31080 && refused "$SERVICE_IP" 443 && refused "${POD_CIDR%%.0.0/*}.0.5" 80
}
check "down --keep-network: node address and guard kept, clients refused" keep_network

# --- down and leftovers -------------------------------------------------------------------------
t=$(now_ms)
down_ok=0
"$bare/down" --purge >"$work/down.log" 2>&1 && down_ok=1
cluster_started=0   # tried once; the snapshot below shows whatever it left
if (( down_ok )); then
  down_ms=$(ms_since "$t")
  pass "down --purge" "($(fmt_s "$down_ms"))"
else
  fail "down --purge" "($(fmt_s "$(ms_since "$t")"))"
  tail -n 20 "$work/down.log" | sed 's/^/      | /'
fi
"$here/host-snapshot.sh" >"$work/after.snap"
if diff -u "$work/before.snap" "$work/after.snap" >"$work/snap.diff"; then
  pass "host identical to the snapshot taken before up"
else
  fail "host identical to the snapshot taken before up"
  sed 's/^/      | /' "$work/snap.diff" | head -n 60
fi

echo "timings: up $(fmt_s "${up_ms:-0}") ($cold), down $(fmt_s "${down_ms:-0}"); ${report[*]}"
summary
[[ $failed -eq 0 ]] || exit 1
