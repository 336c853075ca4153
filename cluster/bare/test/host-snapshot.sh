#!/usr/bin/env bash
# Print a normalised snapshot of what the bare cluster can change on this host, for `diff`:
# processes, containers, iptables chains and rules, links, addresses, routes, mounts, cgroups,
# sysctls, listening ports and paths. Take one before `up` and one after `down`; any difference is
# something left behind.
#
# The host is shared (other jobs run docker builds and containers at the same time), so the
# snapshot leaves out what only Docker's own networking and other users' containers create:
# rules naming DOCKER/docker0/br-<id> or addresses in Docker's pools, links and routes on docker bridges, /var/lib/docker and
# /run/docker mounts, and containers whose names do not start with k8s_. Processes are limited to
# those that run a cluster binary or anything under the cache or state directories; kubectl
# clients using the admin kubeconfig are users of the cluster (other jobs), not parts of it, and
# `build-kubernetes.sh --check` is the short-lived lookup that up/down/status make.
set -euo pipefail

usage() { echo "usage: $0 [-h|--help]   (prints the snapshot on stdout)"; }
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

state=${LABRUN_BARE_DIR:-/var/lib/labrun/bare}
# Docker's own rules name its chains or bridges, or addresses in its default pools (172.16.0.0/12).
docker_only='DOCKER|docker0|br-[0-9a-f]{12}|docker_gwbridge|172\.(1[6-9]|2[0-9]|3[01])\.[0-9]+\.[0-9]+'

section() { printf '## %s\n' "$1"; }

section processes
# The executable (first word) is a cluster binary, etcd, dnsmasq or pause, or a cluster/bare helper,
# or an argument is a path in the state directory (an extra node's dockerd and containerd).
# shellcheck disable=SC2009 # whole command lines are wanted, for every user
ps -eo args= | grep -E "^(\S*/var/cache/labrun/kubernetes/[0-9a-f]+/bin/\S+|\S*/?etcd|\S*/?dnsmasq|/pause)( |$)|cluster/bare/lib/| $state/" \
  | grep -v -E '^grep |/bin/kubectl .*admin\.kubeconfig|build-kubernetes\.sh --check' | sort || true

section "network namespaces"
ip netns list 2>/dev/null | sort || true

section containers
if docker info >/dev/null 2>&1; then
  docker ps -a --format '{{.Names}}' | grep -E '^k8s_' | sort || true
  docker ps -aq --filter label=io.kubernetes.pod.uid | wc -l | sed 's/^/kubernetes-labelled containers: /'
else
  echo "(docker not answering)"
fi

for cmd in iptables ip6tables; do
  command -v "$cmd" >/dev/null || continue
  for table in filter nat mangle raw; do
    section "$cmd -t $table"
    "$cmd" -t "$table" -S 2>/dev/null | grep -v -E "$docker_only" || true
  done
done

section links
ip -o link show | awk -F': ' '{print $2, $3}' | sed -E 's/@[^ ]+//; s/<[^>]*>//; s/ mtu ([0-9]+).*(master [^ ]+)?.*/ mtu \1/' \
  | grep -v -E "^(veth[0-9a-f]+|br-[0-9a-f]{12})" | sort
ip -o link show | grep -o -E 'master [^ ]+' | grep -v -E "$docker_only" | sort | uniq -c || true

section addresses
ip -o addr show | awk '{print $2, $3, $4}' | grep -v -E "^(veth|br-[0-9a-f]{12}|docker)" | sort

section routes
for t in main local; do ip route show table "$t"; done | grep -v -E "$docker_only|veth" | sort
ip -6 route show table main | grep -v -E "$docker_only|veth" | sort

section mounts
findmnt -rn -o TARGET,FSTYPE | grep -v -E '^/var/lib/docker/|^/run/docker/|^/proc/[0-9]' | sort

section cgroups
find /sys/fs/cgroup -maxdepth 3 -type d \( -name 'kubepods*' -o -name 'pod[0-9a-f]*' -o -name '*labrun*' \) 2>/dev/null | sort

section sysctls
sysctl -a 2>/dev/null | grep -E '^(vm\.|kernel\.panic|kernel\.keys\.|net\.ipv4\.ip_forward|net\.ipv4\.conf\.(all|default)\.|net\.bridge\.|net\.netfilter\.nf_conntrack_(max|tcp_timeout_established|tcp_timeout_close_wait|tcp_timeout_syn_sent) |net\.core\.somaxconn)' \
  | grep -v -E '^vm\.(stat_|nr_|drop_caches)' | sort

section listeners
ss -H -ltnu 2>/dev/null | awk '{print $1, $5}' \
  | grep -E ':(53|2379|2380|2381|6443|10248|10249|10250|10256|10257|10259|3[0-2][0-9]{3})$' | sort -u || true

section paths
for p in "$state" /var/lib/kubelet /var/lib/dockershim /var/run/dockershim.sock /run/dockershim.sock \
         /var/log/pods /var/log/containers /etc/cni /opt/cni /var/lib/cni /etc/kubernetes \
         /usr/libexec/kubernetes /var/run/kubernetes "$HOME/.kube/cache" /run/kubernetes /var/lib/etcd/member \
         /var/lib/labrun/bare/volumes; do
  if [[ -e $p || -L $p ]]; then echo "$p $(stat -c %F "$p")"; else echo "$p absent"; fi
done
