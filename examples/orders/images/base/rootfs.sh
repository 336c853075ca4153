#!/usr/bin/env bash
# Writes a minimal Debian bookworm root filesystem (debootstrap --variant=minbase) as a tar
# stream for `docker import`. This file is the whole recipe: build.sh tags the imported image
# with its hash, so editing it makes a new base and leaving it alone reuses the old one.
#
# usage: rootfs.sh OUTPUT.tar   (as root: debootstrap needs chroot and device nodes)
set -euo pipefail

suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

out=${1:?usage: rootfs.sh OUTPUT.tar}
root=$(mktemp -d /tmp/orders-rootfs.XXXXXX)
trap 'rm -rf --one-file-system "$root" "$root.log"' EXIT

if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.log" 2>&1; then
  echo "rootfs.sh: debootstrap failed; the end of its log:" >&2
  tail -n 20 "$root.log" >&2
  exit 1
fi

# Like the official slim images: no recommends, no documentation, no package lists left over,
# and no daemons started by package scripts during a docker build.
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90orders"
printf 'path-exclude=/usr/share/doc/*\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/locale/*\n' \
  >"$root/etc/dpkg/dpkg.cfg.d/90orders-nodoc"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
  "$root"/usr/share/man/* "$root"/var/log/*.log "$root"/tmp/*
: >"$root/etc/machine-id"
# Translations are a third of a minbase system; the C.UTF-8 locale the images use needs none.
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

tar --numeric-owner -C "$root" -cf "$out" .
