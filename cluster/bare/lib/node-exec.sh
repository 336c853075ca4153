#!/usr/bin/env bash
# Run one process of an extra node of the bare cluster (lib/nodes.sh), started by `start`:
#   node-exec.sh K holder        the node's mount namespace, made in its network namespace: the
#                                paths the kubelet hard-codes become the node's own directories;
#                                then it sleeps, holding the namespaces for the node's processes
#   node-exec.sh K run CMD...    CMD inside the holder's mount and network namespaces
# Either way the process first joins the node's cgroups, so that everything of the node (its pods
# too, under the kubelet's cgroupRoot) is in one tree that `node stop` can kill.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=nodes.sh
source "$BARE_ROOT/lib/nodes.sh"
[[ $# -ge 2 && $1 =~ ^[0-9]+$ ]] || die "usage: node-exec.sh K holder | node-exec.sh K run COMMAND..."
k=$1 mode=$2; shift 2
name=$(node_name "$k") dir=$(node_dir "$k") run=$RUN_DIR/$(node_name "$k")

for c in $(node_cgroup_paths "$k"); do echo $$ >"$c/cgroup.procs"; done

case $mode in
  holder)
    # shellcheck disable=SC2016 # expanded by the inner shell
    exec nsenter --net="/run/netns/$name" -- unshare --mount -- bash -ec '
      mount --bind "$1/var-lib-kubelet" /var/lib/kubelet
      mount --bind "$1/log-pods" /var/log/pods
      mount --bind "$1/log-containers" /var/log/containers
      touch "$2/holder.ready"
      exec sleep infinity' holder "$dir" "$run" ;;
  run)
    [[ $# -ge 1 ]] || die "node-exec.sh $k run: no command"
    holder=$(<"$run/holder.pid")
    exec nsenter --target "$holder" --mount --net -- "$@" ;;
  *) die "node-exec.sh: unknown mode '$mode' (holder or run)" ;;
esac
