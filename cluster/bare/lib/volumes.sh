# shellcheck shell=bash
# The bare cluster's PersistentVolumes as filesystems of their own, the size their claim asked for.
# Each volume is a sparse ext4 image, VOLUME_DIR/NAME.img, loop-mounted on the directory VOLUME_DIR/NAME
# that the hostPath PersistentVolume names. A full volume is then full as a cloud disk is: its
# writers get ENOSPC while the node's own disk, etcd's and the runtime's go on (the fillVolume
# action relies on it, and refuses a volume that is not a filesystem of its own). The image costs
# the host only the blocks written to it.
# Sourced by lib/hostpath-provisioner.sh (make, remove), `up` (mount all, before the kubelet starts,
# so that no pod ever sees the empty directory under a volume); `down` unmounts them (common.sh's
# unmount_under).
# A directory without an image (made before volumes had their own filesystems, or where the host
# has no loop devices) is used as it is.

# The size in bytes of a Kubernetes quantity (1Gi, 500M, 1.5Gi, 1024); fails on any other form.
volume_bytes() {
  local q=$1
  [[ $q =~ ^[0-9]+(\.[0-9]+)?(k|Ki|M|Mi|G|Gi|T|Ti)?$ ]] || return 1
  q=${q/k/K}
  numfmt --from=auto "$q" 2>/dev/null | awk '{ printf "%d\n", $1 }'
}

# Makes and mounts the volume DIR of SIZE bytes. Fails (leaving nothing) when it cannot.
volume_make() {
  local dir=$1 size=$2 image=$1.img
  # ext4 needs room for its own metadata; a claim smaller than 16 MiB gets 16 MiB.
  (( size >= 16 * 1024 * 1024 )) || size=$(( 16 * 1024 * 1024 ))
  mkdir -p "$dir"
  truncate -s "$size" "$image" || { rm -f "$image"; return 1; }
  # -m 0: no blocks reserved for root (the volume's users are not root); the root directory 0777,
  # since pods run as arbitrary non-root users and hostPath volumes get no fsGroup change.
  if ! mkfs.ext4 -q -F -m 0 -E root_owner=0:0 -L labrun-volume "$image" >/dev/null 2>&1 || ! volume_mount "$dir"; then
    rm -f "$image"
    return 1
  fi
}

# Mounts the image of volume DIR on it (nothing to do when it has none or is mounted).
volume_mount() {
  local dir=$1 image=$1.img
  [[ -f $image ]] || return 0
  mountpoint -q "$dir" && return 0
  # The directory under the mount is closed to everyone but root: a pod that ever found the volume
  # unmounted could not write into the node's disk instead.
  chmod 0700 "$dir"
  mount -o loop,nodev,nosuid "$image" "$dir" || return 1
  chmod 0777 "$dir"
  # lost+found would make the volume's root a non-empty directory, which some servers refuse (initdb).
  rmdir "$dir/lost+found" 2>/dev/null || true
}

# Unmounts and removes volume DIR and its image.
volume_remove() {
  local dir=$1
  if mountpoint -q "$dir"; then umount "$dir" 2>/dev/null || umount -l "$dir"; fi
  rm -rf -- "$dir" "$dir.img"
}

# Mounts every volume under VOLUME_DIR that has an image; says which could not be.
volumes_mount_all() {
  local volumes=$1 image failed=0
  for image in "$volumes"/*.img; do
    [[ -f $image ]] || continue
    volume_mount "${image%.img}" || { echo "could not mount volume ${image%.img}" >&2; failed=1; }
  done
  return "$failed"
}
