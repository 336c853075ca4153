#!/usr/bin/env bash
# A tiny dynamic provisioner for the StorageClass `labrun-hostpath` (provisioner labrun.dev/hostpath).
# For each Pending PVC of that class it makes a volume under VOLUME_DIR — an ext4 filesystem of the
# claim's size, loop-mounted on its directory (lib/volumes.sh) — and a hostPath PersistentVolume
# pre-bound to the claim; for each Released PV it provisioned it deletes the PV and its volume. Woken by `kubectl --watch` on PVCs and PVs, with a full pass every 30 s.
# The directories are on node 1's disk (this host), so each PV carries node affinity to NODE, as a
# local volume does: a pod with a claim runs on node 1, and a node fault never takes its data away.
# Usage: hostpath-provisioner.sh KUBECTL KUBECONFIG VOLUME_DIR NODE
set -euo pipefail
# shellcheck source=cluster/bare/lib/volumes.sh
source "$(dirname "${BASH_SOURCE[0]}")/volumes.sh"

[[ $# -eq 4 ]] || { echo "usage: $0 KUBECTL KUBECONFIG VOLUME_DIR NODE" >&2; exit 2; }
kubectl=$1 kubeconfig=$2 volumes=$3 node=$4
# kubectl's discovery cache goes next to the kubeconfig, never into ~/.kube.
kcache=$(dirname "$kubeconfig")/../kubectl-cache
class=labrun-hostpath
provisioner=labrun.dev/hostpath
k() { "$kubectl" --kubeconfig "$kubeconfig" --cache-dir "$kcache" --request-timeout=10s "$@"; }
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# Which class a claim gets when it names none: the cluster's default, filled in by admission.
# shellcheck disable=SC2016 # a Go template, not shell
pvc_template='{{range .items}}{{if eq .status.phase "Pending"}}{{if not .spec.volumeName}}{{.metadata.namespace}} {{.metadata.name}} {{.metadata.uid}} {{or .spec.storageClassName "-"}} {{.spec.resources.requests.storage}} {{range $i, $m := .spec.accessModes}}{{if $i}},{{end}}{{$m}}{{end}} {{or .spec.volumeMode "Filesystem"}}{{"\n"}}{{end}}{{end}}{{end}}'
# shellcheck disable=SC2016
pv_template='{{range .items}}{{if eq .status.phase "Released"}}{{$pv := .}}{{range $k, $v := .metadata.annotations}}{{if eq $k "pv.kubernetes.io/provisioned-by"}}{{if eq $v "labrun.dev/hostpath"}}{{$pv.metadata.name}} {{$pv.spec.hostPath.path}}{{"\n"}}{{end}}{{end}}{{end}}{{end}}{{end}}'

provision() {
  local ns=$1 name=$2 uid=$3 size=$4 modes=$5 mode=$6
  local pv=pvc-$uid dir=$volumes/$ns-$name-$uid
  if [[ $mode != Filesystem ]]; then log "skipping $ns/$name: volumeMode $mode is not supported"; return 0; fi
  # A filesystem of the claim's size (lib/volumes.sh), made once: a pass that failed after it reuses it.
  local how="an ext4 filesystem of $size" bytes
  if [[ ! -f $dir.img ]] && ! mountpoint -q "$dir"; then
    if ! bytes=$(volume_bytes "$size") || ! volume_make "$dir" "$bytes"; then
      how="a directory on the node's disk (no filesystem of its own could be made for $size)"
      mkdir -p "$dir"
      # Pods run as arbitrary non-root users and hostPath volumes get no fsGroup ownership change.
      chmod 0777 "$dir"
    fi
  fi
  local modes_yaml="" m
  IFS=, read -ra m <<<"$modes"
  for mode in "${m[@]}"; do modes_yaml+="  - $mode"$'\n'; done
  k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $pv
  labels:
    labrun.dev/provisioner: hostpath
  annotations:
    pv.kubernetes.io/provisioned-by: $provisioner
spec:
  storageClassName: $class
  persistentVolumeReclaimPolicy: Delete
  capacity:
    storage: $size
  accessModes:
$modes_yaml  hostPath:
    path: $dir
    type: Directory
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions:
            - {key: kubernetes.io/hostname, operator: In, values: [$node]}
  claimRef:
    apiVersion: v1
    kind: PersistentVolumeClaim
    namespace: $ns
    name: $name
    uid: $uid
EOF
  log "provisioned $pv for $ns/$name at $dir: $how"
}

pass() {
  local ns name uid cls size modes mode pv path
  while read -r ns name uid cls size modes mode; do
    [[ -n $ns ]] || continue
    [[ $cls == "$class" ]] || continue
    provision "$ns" "$name" "$uid" "$size" "$modes" "$mode" || log "could not provision $ns/$name"
  done < <(k get pvc --all-namespaces -o go-template="$pvc_template")
  while read -r pv path; do
    [[ -n $pv ]] || continue
    k delete pv "$pv" --wait=false >/dev/null || continue
    case $path in "$volumes"/*) volume_remove "$path" ;; esac
    log "deleted released $pv and $path"
  done < <(k get pv -o go-template="$pv_template")
}

events() {
  "$kubectl" --kubeconfig "$kubeconfig" --cache-dir "$kcache" get pvc --all-namespaces --watch-only -o name --request-timeout=0 &
  "$kubectl" --kubeconfig "$kubeconfig" --cache-dir "$kcache" get pv --watch-only -o name --request-timeout=0 &
  wait
}

mkdir -p "$volumes"
log "hostpath provisioner for StorageClass $class, volumes under $volumes"
while true; do
  pass || true
  # Wake on any PVC/PV event (after a 200 ms quiet period), and make a full pass every 30 s.
  # When the watches end (apiserver restart or timeout), the outer loop starts new ones.
  dirty=0 last=$SECONDS
  while true; do
    if IFS= read -r -t 0.2 _; then
      dirty=1
    elif (( $? > 128 )); then
      if (( dirty || SECONDS - last >= 30 )); then pass || true; dirty=0 last=$SECONDS; fi
    else
      break
    fi
  done < <(events 2>/dev/null)
  sleep 1
done
