# shellcheck shell=bash
# The nodes of the bare cluster. Node 1 is this host itself (its network namespace, its Docker
# engine). Nodes 2..N (`up --nodes N`) are each, on this host:
#   - a network namespace named after the node, joined to the host by a veth pair
#     (host side labrun-n<K>, node side eth0) with the node address <node 1's address + K - 1>/32;
#     its pod network <POD_CIDR's first two octets>.<K-1>.0/24 is routed to it by the host;
#   - a mount namespace (held by `lib/node-exec.sh holder`) in which the paths the kubelet hard-codes
#     (/var/lib/kubelet, /var/log/pods, /var/log/containers) are the node's own directories;
#   - a cgroup /<node> in every v1 hierarchy holding all of the node's processes, pods included
#     (the kubelet's cgroupRoot), so that stopping the node kills exactly the node;
#   - its own dockerd (and that dockerd's own containerd), kubelet (dockershim) and kube-proxy.
# Images reach a node's engine with `docker save | docker load` (load-images), never a registry.
# Sourced after common.sh by up, down, status, node and load-images.

NODES_FILE=$STATE_DIR/nodes.count   # how many nodes the last `up` was asked for
MAX_NODES=4                         # 2 cores: each node costs a kubelet, a dockerd and a kube-proxy
NODE_NET=${NODE_IP%.*}.0/24         # the node addresses
NODE_LINK_PREFIX=labrun-n           # host side of an extra node's veth pair: labrun-n2, labrun-n3, …
# `ip netns add` makes /run/netns (a mount point of its own) when it is missing; this records that
# it did, so that `down` removes it again once the last node's namespace is gone.
NETNS_MADE=$STATE_DIR/run-netns.made

node_name() { if (( $1 == 1 )); then echo "$NODE_NAME"; else echo "$NODE_NAME-$1"; fi; }
node_ip() { echo "${NODE_IP%.*}.$(( ${NODE_IP##*.} + $1 - 1 ))"; }
node_pod_cidr() { local two=${POD_CIDR%.*.*}; echo "$two.$(( $1 - 1 )).0/24"; }
# The directory holding a node's configuration and runtime state (node 1: the state directory).
node_dir() { if (( $1 == 1 )); then echo "$STATE_DIR"; else echo "$STATE_DIR/nodes/$(node_name "$1")"; fi; }
node_link() { echo "$NODE_LINK_PREFIX$1"; }
node_docker_socket() { echo "$RUN_DIR/$(node_name "$1")/docker.sock"; }
# node_docker K ARGS... : the docker CLI against node K's engine (node 1: the host's).
node_docker() {
  local k=$1; shift
  if (( k == 1 )); then docker "$@"; else docker --host "unix://$(node_docker_socket "$k")" "$@"; fi
}
# The extra nodes that exist on this host (state, namespace or link), as indexes, ascending.
extra_nodes() {
  {
    local d n
    for d in "$STATE_DIR"/nodes/"$NODE_NAME"-*; do [[ -d $d ]] && echo "${d##*-}"; done
    while read -r n _; do [[ $n == "$NODE_NAME"-* ]] && echo "${n##*-}"; done < <(ip netns list 2>/dev/null)
    ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | sed -n "s/^${NODE_LINK_PREFIX}\([0-9]\{1,\}\)$/\1/p"
  } | { grep -E '^[0-9]+$' || true; } | sort -nu
}
# The node count asked for: --nodes, else LABRUN_BARE_NODES, else what the last `up` was asked for, else 1.
wanted_nodes() {
  local n=${1:-${LABRUN_BARE_NODES:-}}
  [[ -n $n ]] || n=$(cat "$NODES_FILE" 2>/dev/null || echo 1)
  if ! [[ $n =~ ^[0-9]+$ ]] || (( 10#$n < 1 || 10#$n > MAX_NODES )); then die "the node count must be a whole number from 1 to $MAX_NODES (got '$n'; --nodes or LABRUN_BARE_NODES)"; fi
  echo $(( 10#$n ))
}
# node_components K : node K's processes in start order (node 1's are COMPONENTS).
node_components() { echo "$(node_name "$1")/holder $(node_name "$1")/dockerd $(node_name "$1")/kubelet $(node_name "$1")/kube-proxy"; }

# --- configuration, the same for every node -------------------------------------------------------
write_if_changed() {  # write stdin to FILE unless FILE already holds exactly that
  local file=$1 tmp
  tmp=$(mktemp "$file.XXXX")
  cat >"$tmp"
  if [[ -f $file ]] && cmp -s "$tmp" "$file"; then rm -f "$tmp"; else mv "$tmp" "$file"; fi
}

# node_configure K DRIVER : node K's CNI network, kubelet and kube-proxy configuration.
node_configure() {
  local k=$1 driver=$2 dir name ip cert cgroup_root
  dir=$(node_dir "$k") name=$(node_name "$k") ip=$(node_ip "$k")
  cert=kubelet-serving cgroup_root=/
  (( k == 1 )) || { cert=kubelet-serving-$name; cgroup_root=/$name; }
  mkdir -p "$dir/config" "$dir/cni/net.d" "$dir/cni/cache" "$dir/cni/networks" "$dir/kubelet" "$dir/dockershim"
  # ipMasq is off: pods keep their addresses between nodes, and LABRUN-PODMASQ (node_guard)
  # masquerades only what leaves the cluster's networks.
  write_if_changed "$dir/cni/net.d/10-labrun.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "labrun",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$dir/cni/networks",
        "ranges": [[{"subnet": "$(node_pod_cidr "$k")"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "firewall"}
  ]
}
EOF
  write_if_changed "$dir/config/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $ip
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI_DIR/$cert.crt
tlsPrivateKeyFile: $PKI_DIR/$cert.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI_DIR/ca.crt}
authorization:
  mode: Webhook
cgroupDriver: $driver
cgroupRoot: $cgroup_root
clusterDomain: $CLUSTER_DOMAIN
clusterDNS: [$DNS_SERVICE_IP]
resolvConf: /etc/resolv.conf
failSwapOn: false
oomScoreAdj: 0
nodeStatusUpdateFrequency: 4s
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  imagefs.available: 2%
  nodefs.inodesFree: 2%
volumePluginDir: $STATE_DIR/kubelet-plugins
serializeImagePulls: false
maxPods: 110
EOF
  write_if_changed "$dir/config/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
hostnameOverride: $name
bindAddress: $ip
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clusterCIDR: $POD_CIDR
nodePortAddresses: [$ip/32]
oomScoreAdj: 0
# Zero leaves the host's conntrack table size and TCP timeouts as they are (they are global sysctls).
conntrack:
  maxPerCore: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
clientConnection:
  kubeconfig: $STATE_DIR/kubeconfig/kube-proxy$( (( k == 1 )) || echo -extra-nodes)
EOF
}

# in_node K COMMAND... : run COMMAND in node K's network namespace (node 1: this host's).
in_node() {
  local k=$1; shift
  if (( k == 1 )); then "$@"; else nsenter --net="/run/netns/$(node_name "$k")" -- "$@"; fi
}
# ensure_rule K -A|-I RULE… : add the iptables rule in node K's namespace unless it is there.
ensure_rule() {
  local k=$1 op=$2; shift 2
  in_node "$k" iptables -w -C "$@" 2>/dev/null || in_node "$k" iptables -w "$op" "$@"
}

# node_guard K : in node K's network namespace, the chains every node has: LABRUN-NODEPORTS (a
# connection to a node port that kube-proxy did not send on to a pod is refused at once; see up)
# and LABRUN-PODMASQ (pods' traffic that leaves the cluster's networks is masqueraded; between
# pods and to the node addresses it keeps the pod's address, on every node alike).
node_guard() {
  local k=$1 hook
  in_node "$k" iptables -w -N LABRUN-NODEPORTS 2>/dev/null || true
  ensure_rule "$k" -A LABRUN-NODEPORTS -d "$(node_ip "$k")/32" -p tcp --dport "$NODEPORT_RANGE" -j REJECT --reject-with tcp-reset
  for hook in OUTPUT INPUT; do ensure_rule "$k" -I "$hook" -m conntrack --ctstate NEW -j LABRUN-NODEPORTS; done
  in_node "$k" iptables -w -t nat -N LABRUN-PODMASQ 2>/dev/null || true
  ensure_rule "$k" -A LABRUN-PODMASQ -t nat -d "$POD_CIDR" -j RETURN
  ensure_rule "$k" -A LABRUN-PODMASQ -t nat -d "$NODE_NET" -j RETURN
  ensure_rule "$k" -A LABRUN-PODMASQ -t nat ! -d 224.0.0.0/4 -j MASQUERADE
  ensure_rule "$k" -A POSTROUTING -t nat -s "$POD_CIDR" -j LABRUN-PODMASQ
}

# --- an extra node's life -----------------------------------------------------------------------
# node_network K : node K's namespace, veth pair, addresses and routes; the host forwards between
# nodes (LABRUN-NODES, before Docker's FORWARD policy DROP).
node_network() {
  local k=$1 name ip link
  name=$(node_name "$k") ip=$(node_ip "$k") link=$(node_link "$k")
  [[ -d /run/netns ]] || touch "$NETNS_MADE"
  [[ -e /run/netns/$name ]] || ip netns add "$name"
  ip link show "$link" >/dev/null 2>&1 || ip link add "$link" type veth peer name eth0 netns "$name"
  ip link set "$link" up
  in_node "$k" ip link set lo up
  in_node "$k" ip addr replace "$ip/32" dev eth0
  in_node "$k" ip link set eth0 up
  in_node "$k" ip route replace "$NODE_IP/32" dev eth0 src "$ip"
  in_node "$k" ip route replace default via "$NODE_IP" dev eth0 src "$ip"
  in_node "$k" sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
  ip route replace "$ip/32" dev "$link" src "$NODE_IP"
  ip route replace "$(node_pod_cidr "$k")" via "$ip" dev "$link" onlink
  iptables -w -N LABRUN-NODES 2>/dev/null || true
  ensure_rule 1 -A LABRUN-NODES -i "$NODE_LINK_PREFIX+" -j ACCEPT
  ensure_rule 1 -A LABRUN-NODES -o "$NODE_LINK_PREFIX+" -j ACCEPT
  ensure_rule 1 -I FORWARD -j LABRUN-NODES
  node_guard "$k"
}

# node_cgroup_paths K : node K's cgroup directory in every v1 hierarchy (cgroup v2: the one).
node_cgroup_paths() {
  local name root
  name=$(node_name "$1")
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then echo "/sys/fs/cgroup/$name"; return; fi
  for root in /sys/fs/cgroup/*/; do
    [[ -L ${root%/} ]] && continue
    echo "$root$name"
  done
}

# node_up K DRIVER BIN : start node K (idempotent: what runs is left alone), then wait for its engine.
node_up() {
  local k=$1 driver=$2 bin=$3 name ip dir run socket c
  name=$(node_name "$k") ip=$(node_ip "$k") dir=$(node_dir "$k") run=$RUN_DIR/$(node_name "$k")
  socket=$(node_docker_socket "$k")
  mkdir -p "$dir/docker" "$dir/var-lib-kubelet" "$dir/log-pods" "$dir/log-containers" "$run"
  node_configure "$k" "$driver"
  node_network "$k"
  for c in $(node_cgroup_paths "$k"); do
    mkdir -p "$c"
    # A new cpuset cgroup has no CPUs or memory nodes until given its parent's.
    if [[ -f $c/cpuset.cpus && -z $(<"$c/cpuset.cpus") ]]; then
      cat "$(dirname "$c")/cpuset.cpus" >"$c/cpuset.cpus"
      cat "$(dirname "$c")/cpuset.mems" >"$c/cpuset.mems"
    fi
  done
  # The paths the kubelet hard-codes, as mount points for the node's own directories.
  mkdir -p /var/lib/kubelet /var/log/pods /var/log/containers
  printf '{}\n' | write_if_changed "$dir/config/daemon.json"

  local exec_node=("$BARE_ROOT/lib/node-exec.sh" "$k")
  # Processes of the node left from a holder that died live in namespaces nothing can join again.
  if ! pid_alive "$name/holder"; then node_kill "$k"; fi
  start "$name/holder" "${exec_node[@]}" holder
  wait_for "node $name's namespaces" 10 test -f "$run/holder.ready" || die "node $name's namespaces were not made; read $LOG_DIR/$name/holder.log"
  start "$name/dockerd" "${exec_node[@]}" run dockerd --config-file "$dir/config/daemon.json" \
    --host "unix://$socket" --data-root "$dir/docker" --exec-root "$run/exec" --pidfile "$run/dockerd.own.pid" \
    --containerd-namespace "$name" --containerd-plugins-namespace "$name-plugins" \
    --bridge none --iptables=false --ip-forward=false --ip-masq=false --userland-proxy=false \
    --storage-driver overlay2 --exec-opt "native.cgroupdriver=$driver" --log-level warn
  wait_for "node $name's Docker engine (log: $LOG_DIR/$name/dockerd.log)" 60 node_docker "$k" info \
    || die "node $name's Docker engine did not answer; read $LOG_DIR/$name/dockerd.log"
  node_docker "$k" image inspect "$PAUSE_IMAGE" >/dev/null 2>&1 || docker save "$PAUSE_IMAGE" | node_docker "$k" load -q >/dev/null
  start "$name/kubelet" "${exec_node[@]}" run "$bin/kubelet" --config "$dir/config/kubelet.yaml" \
    --kubeconfig "$STATE_DIR/kubeconfig/kubelet-$name" \
    --hostname-override "$name" --node-ip "$ip" --root-dir "$dir/kubelet" \
    --container-runtime docker --docker-endpoint "unix://$socket" --pod-infra-container-image "$PAUSE_IMAGE" \
    --container-runtime-endpoint "unix://$run/dockershim.sock" \
    --experimental-dockershim-root-directory "$dir/dockershim" \
    --network-plugin cni --cni-bin-dir "$CNI_BIN" --cni-conf-dir "$dir/cni/net.d" \
    --cni-cache-dir "$dir/cni/cache" --cert-dir "$PKI_DIR/kubelet-generated-$name"
  start "$name/kube-proxy" "${exec_node[@]}" run "$bin/kube-proxy" --config "$dir/config/kube-proxy.yaml"
}

# node_kill K : what a power cut does to node K: every process of the node, its pods' included,
# gets SIGKILL at once (frozen first, so that nothing forks meanwhile). Its network stays.
node_kill() {
  local k=$1 name freezer pids
  name=$(node_name "$k")
  freezer=/sys/fs/cgroup/freezer/$name
  if [[ -d $freezer ]]; then
    echo FROZEN >"$freezer/freezer.state" 2>/dev/null || true
  fi
  pids=$(node_pids "$k")
  # shellcheck disable=SC2086 # a list of pids
  [[ -z $pids ]] || kill -KILL $pids 2>/dev/null || true
  [[ -d $freezer ]] && find "$freezer" -name freezer.state -exec sh -c 'echo THAWED > "$1"' _ {} \; 2>/dev/null
  local deadline=$(( $(now_ms) + 10000 ))
  while [[ -n $(node_pids "$k") ]] && (( $(now_ms) < deadline )); do sleep 0.1; done
  local c
  for c in $(node_components "$k"); do rm -f "$RUN_DIR/$c.pid"; done
  rm -f "$RUN_DIR/$name/holder.ready"
}
# node_pids K : every process in node K's cgroup tree (the pids hierarchy, or v2's).
node_pids() {
  local name root
  name=$(node_name "$1")
  for root in /sys/fs/cgroup/pids /sys/fs/cgroup; do
    if [[ -d $root/$name ]]; then find "$root/$name" -name cgroup.procs -exec cat {} + 2>/dev/null; return; fi
  done
}

# node_down K [keep-network] : stop node K: its pods' containers removed through its engine, its
# processes stopped, its cgroups removed; unless keep-network, its namespace, link and routes too.
# Its engine's images stay in its directory for the next up (down --purge removes them).
node_down() {
  local k=$1 keep=${2:-} name c ids
  name=$(node_name "$k")
  stop "$name/kubelet" 15
  stop "$name/kube-proxy"
  if node_docker "$k" info >/dev/null 2>&1; then
    ids=$(node_docker "$k" ps -aq)
    # shellcheck disable=SC2086 # a list of ids
    [[ -z $ids ]] || node_docker "$k" rm -f -v $ids >/dev/null 2>&1 || true
  fi
  stop "$name/dockerd" 20
  node_kill "$k"
  for c in $(node_cgroup_paths "$k"); do
    if [[ -d $c ]]; then find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
  rm -rf "${RUN_DIR:?}/$name" "$(node_dir "$k")/cni/networks" "$(node_dir "$k")/cni/cache" "$(node_dir "$k")/dockershim"
  if [[ $keep != keep-network ]]; then
    ip netns del "$name" 2>/dev/null || true
    ip link del "$(node_link "$k")" 2>/dev/null || true
    if [[ -f $NETNS_MADE && -d /run/netns && -z $(ls -A /run/netns) ]]; then
      umount /run/netns 2>/dev/null || true
      rmdir /run/netns 2>/dev/null || true
      rm -f "$NETNS_MADE"
    fi
  fi
  step "node $name down"
}
