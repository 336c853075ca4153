#!/usr/bin/env bash
# Build a minimal Debian bookworm root filesystem with debootstrap and write it as a tar stream
# suitable for `docker import`. Everything that changes the result lives in this file, so its hash
# is the cache key of labrun/base-debian.
#
# usage: debian-rootfs.sh OUTPUT.tar
set -euo pipefail

suite=bookworm
mirror=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security

out=${1:?usage: debian-rootfs.sh OUTPUT.tar}
root=$(mktemp -d /tmp/labrun-rootfs.XXXXXX)
cleanup() { rm -rf --one-file-system "$root"; }
trap cleanup EXIT

debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.log" 2>&1 || {
  echo "debian-rootfs: debootstrap failed; last lines of its log:" >&2
  tail -n 20 "$root.log" >&2
  rm -f "$root.log"
  exit 1
}
rm -f "$root.log"

# Same sources as a stock Debian image: the release, its updates and security fixes.
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

# Small-image habits of the official Debian images: no recommends, no docs, no apt caches.
cat >"$root/etc/apt/apt.conf.d/90labrun-slim" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
APT
cat >"$root/etc/dpkg/dpkg.cfg.d/90labrun-nodoc" <<'DPKG'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
DPKG
# Daemons must not be started by package scripts inside an image build.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"

rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/var/log/*.log "$root"/var/cache/debconf/*-old "$root"/tmp/* 2>/dev/null || true
# Translations are most of a minbase system's size; C.UTF-8 needs none of them.
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
: >"$root/etc/machine-id"
printf 'labrun\n' >"$root/etc/hostname"

tar --numeric-owner --xattrs -C "$root" -cf "$out" .
