# shellcheck shell=bash disable=SC2034
# Shared names, paths and helpers for cluster/bare/{up,down,status} and the build.
# Sourced, never run. Every path here is part of the contract in .helpers/CONTEXT.md.

BARE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_ROOT=$(cd "$BARE_ROOT/../.." && pwd)

STATE_DIR=${LABRUN_BARE_DIR:-/var/lib/labrun/bare}
LOG_DIR=$STATE_DIR/logs
RUN_DIR=$STATE_DIR/run            # pid files
PKI_DIR=$STATE_DIR/pki
VOLUME_DIR=$STATE_DIR/volumes     # hostPath PersistentVolumes
ADMIN_KUBECONFIG=$STATE_DIR/admin.kubeconfig
KUBECTL_CACHE=$STATE_DIR/kubectl-cache   # kubectl's discovery cache: never ~/.kube of whoever runs us

CACHE_ROOT=${LABRUN_KUBE_CACHE:-/var/cache/labrun/kubernetes}
APT_DIR=${LABRUN_APT_DIR:-/var/lib/labrun/apt}

NODE_IP=${LABRUN_BARE_NODE_IP:-10.250.0.1}
NODE_LINK=labrun0
NODE_NAME=labrun-bare
SERVICE_CIDR=10.96.0.0/12
SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
POD_CIDR=10.244.0.0/16
CLUSTER_DOMAIN=cluster.local
CNI_BRIDGE=cni0
CNI_BIN=/usr/lib/cni          # Debian's containernetworking-plugins
# Routing realm of the fallback routes for the pod and Service networks (through the node link,
# which forwards nothing): what takes them has nothing behind it, and LABRUN-CLUSTERNET refuses it.
FALLBACK_REALM=76
NODEPORT_RANGE=30000:32767   # Service node ports (iptables syntax)
METRICS_PORT=4443            # the metrics API stand-in, on the node address (lib/metrics-standin.py)
PAUSE_IMAGE=labrun/pause:3.2
# How long the endpoint controllers batch pod changes before a Service's endpoints change. On one
# node the change reaches kube-proxy in milliseconds, far faster than on any multi-node cluster,
# which hides the race that a preStop delay exists for (a pod gets SIGTERM while traffic is still
# routed to it). 1s is the propagation delay of a small real cluster; 0s turns it off.
ENDPOINT_DELAY=${LABRUN_BARE_ENDPOINT_DELAY:-1s}

# Components in start order; `down` stops them in reverse.
# Paths outside the state directory that components create on their own (hard-coded in v1.20:
# the kubelet's pod logs and its device-plugin socket directory). `up` records which existed
# before; `down` removes the others.
HOST_PATHS=(/var/log/pods /var/log/containers /var/lib/kubelet)
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy dnsmasq dns-sync storage-provisioner metrics-standin)

APT_GET=(apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
export DEBIAN_FRONTEND=noninteractive

# Private apt configuration: bullseye (for golang-1.15-go) and bookworm deb-src (for the
# kubernetes source package). It never reads or writes /etc/apt.
APT_PRIVATE=("${APT_GET[@]}"
  -o Dir::Etc::SourceList="$APT_DIR/sources.list"
  -o Dir::Etc::SourceParts="$APT_DIR/sources.list.d"
  -o Dir::State::Lists="$APT_DIR/lists"
  -o Dir::Cache="$APT_DIR/cache")
APT_CACHE_PRIVATE=(apt-cache
  -o Dir::Etc::SourceList="$APT_DIR/sources.list"
  -o Dir::Etc::SourceParts="$APT_DIR/sources.list.d"
  -o Dir::State::Lists="$APT_DIR/lists"
  -o Dir::Cache="$APT_DIR/cache")

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
need_root() { [[ $(id -u) -eq 0 ]] || die "$1 must run as root (it starts system daemons and changes iptables)"; }

# Millisecond wall clock, for step timings.
now_ms() { date +%s%3N; }
# Unmounts every mount point at or under DIR, deepest first (lazily when still busy).
unmount_under() {
  local dir=$1 m
  findmnt -rn -o TARGET | { grep -E "^$dir(/|$)" || true; } | sort -r | while IFS= read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}
t0=$(now_ms)
# step MESSAGE : log MESSAGE with the seconds since the script started.
step() { local ms=$(( $(now_ms) - t0 )); log "[$(( ms / 1000 )).$(( ms % 1000 / 100 ))s] $*"; }

# wait_for DESCRIPTION TIMEOUT_S COMMAND... : poll COMMAND every 0.2 s until it succeeds.
wait_for() {
  local what=$1 timeout=$2; shift 2
  local deadline=$(( $(now_ms) + timeout * 1000 ))
  until "$@" >/dev/null 2>&1; do
    if (( $(now_ms) > deadline )); then
      log "timed out after ${timeout}s waiting for: $what"
      return 1
    fi
    sleep 0.2
  done
}

# install_missing PKG... : install Debian packages (from the host's own apt sources) that are absent.
install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  log "installing Debian packages: ${missing[*]}"
  "${APT_GET[@]}" update -qq || "${APT_GET[@]}" update -qq
  "${APT_GET[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# setup_private_apt: write the private apt configuration and fetch its lists when absent.
setup_private_apt() {
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/sources.list.d"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  local want
  want=$(printf '%s\n' \
    "deb [signed-by=$keyring] http://deb.debian.org/debian bullseye main" \
    "deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main")
  if [[ ! -f $APT_DIR/sources.list || $(cat "$APT_DIR/sources.list") != "$want" ]]; then
    printf '%s\n' "$want" >"$APT_DIR/sources.list"
    rm -f "$APT_DIR/lists/"*_Release "$APT_DIR/lists/"*InRelease
  fi
  if ! compgen -G "$APT_DIR/lists/*_InRelease" >/dev/null; then
    log "fetching the private apt lists (bullseye for Go 1.15, bookworm sources)"
    "${APT_PRIVATE[@]}" update -qq
  fi
}

# alive PID : the process exists and is not a zombie. Daemons outlive `up` and are reparented to
# PID 1, which on some hosts (e.g. Firecracker guests) reaps them late or never.
alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $st != Z* ]]
}

# start NAME COMMAND... : run COMMAND in its own session (so `down` can signal its whole process
# group), append its output to logs/NAME.log and record its pid. Does nothing when NAME runs.
# NAME may be NODE/COMPONENT for an extra node's component (lib/nodes.sh).
declare -A started_at=()
start() {
  local name=$1; shift
  if pid_alive "$name"; then return 0; fi
  mkdir -p "$(dirname "$LOG_DIR/$name")" "$(dirname "$RUN_DIR/$name")"
  printf '\n=== %s start: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$LOG_DIR/$name.log"
  # fd 8 holds the `up` lock; the daemon must not inherit it.
  setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null 8>&- &
  echo $! >"$RUN_DIR/$name.pid"
  started_at[$name]=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  step "started $name (pid $!, log $LOG_DIR/$name.log)"
}

# stop NAME [TIMEOUT_S] : SIGTERM the component's process group, wait, then SIGKILL.
stop() {
  local name=$1 timeout=${2:-10} pid
  local f=$RUN_DIR/$name.pid
  [[ -f $f ]] || return 0
  pid=$(<"$f")
  if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid"; then
    # `start` runs each component with setsid, so its pid is also its process group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( $(now_ms) + timeout * 1000 ))
    while alive "$pid" && (( $(now_ms) < deadline )); do sleep 0.1; done
    if alive "$pid"; then
      log "$name (pid $pid) did not stop within ${timeout}s; killing it"
    fi
    kill -KILL -- "-$pid" 2>/dev/null || true
    step "stopped $name (pid $pid)"
  fi
  rm -f "$f"
}

# pid_alive NAME : the component's pid file names a live process.
pid_alive() {
  local f=$RUN_DIR/$1.pid pid
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid"
}
