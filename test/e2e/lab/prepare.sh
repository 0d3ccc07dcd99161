#!/bin/bash
# Prepares everything the end-to-end suite boots, once per machine, into a
# cache (default /var/cache/vdpa-compat-e2e, or $VDPA_COMPAT_E2E_CACHE):
#   - host packages: QEMU, busybox, debootstrap, a compiler and the 6.1 headers
#   - Debian 12's current 6.1 kernel and Debian 13's current 6.12 kernel, and
#     their linux-source packages (Debian's kernels do not ship vdpa_sim)
#   - a Debian 13 root (iproute2 6.x with device_features, gcc-14, 6.12 headers)
#   - the missing vDPA modules built out of tree for both kernels
# Everything comes from Debian's archive. Re-running is cheap: every step is
# skipped when its result is already in the cache. Needs root.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${VDPA_COMPAT_E2E_CACHE:-/var/cache/vdpa-compat-e2e}
mkdir -p "$CACHE"
export DEBIAN_FRONTEND=noninteractive
log() { echo "prepare: $*" >&2; }

# --- host packages
need=()
for p in qemu-system-x86 busybox-static cpio kmod xz-utils zstd debootstrap gcc make bc; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
K61=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: linux-image-\(6\.1\..*-amd64\)$/\1/p' | head -n1)
[ -n "$K61" ] || { apt-get update -q >/dev/null; K61=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(6\.1\..*-amd64\)$/\1/p' | head -n1); }
[ -n "$K61" ] || { echo "prepare: cannot find Debian 12's 6.1 kernel package" >&2; exit 1; }
dpkg -s "linux-headers-$K61" >/dev/null 2>&1 || need+=("linux-headers-$K61")
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

# --- a Debian 13 apt state of our own; the host's sources stay as they are
T=$CACHE/apt-trixie
mkdir -p "$T/lists/partial" "$T/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" > "$T/sources.list"
TA=(-o "Dir::Etc::SourceList=$T/sources.list" -o Dir::Etc::SourceParts=/nonexistent -o "Dir::State::Lists=$T/lists" -o "Dir::Cache=$T/cache" -o Dir::State::status=/dev/null)
[ -n "$(ls "$T/lists" 2>/dev/null | grep -v partial)" ] || apt-get "${TA[@]}" update -q >/dev/null
K612=$(apt-cache "${TA[@]}" depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(6\.12\..*-amd64\)$/\1/p' | head -n1)
[ -n "$K612" ] || { echo "prepare: cannot find Debian 13's 6.12 kernel package" >&2; exit 1; }
echo "K61=$K61" > "$CACHE/kernels.env"; echo "K612=$K612" >> "$CACHE/kernels.env"
log "kernels: $K61 (Debian 12), $K612 (Debian 13)"

# --- kernel images and sources
mkdir -p "$CACHE/debs/12" "$CACHE/debs/13"
(cd "$CACHE/debs/12" && { ls linux-image-"$K61"_*.deb >/dev/null 2>&1 || apt-get -o APT::Sandbox::User=root download -q "linux-image-$K61" linux-source-6.1 >/dev/null; })
(cd "$CACHE/debs/13" && { ls linux-image-"$K612"_*.deb >/dev/null 2>&1 || apt-get "${TA[@]}" -o APT::Sandbox::User=root download -q "linux-image-$K612" linux-source-6.12 >/dev/null; })
for pair in "6.1:$K61:12" "6.12:$K612:13"; do
  IFS=: read -r v kver rel <<<"$pair"
  root=$CACHE/kernel-$v
  if [ ! -f "$root/.done-$kver" ]; then
    rm -rf "$root"; mkdir -p "$root"
    dpkg-deb -x "$CACHE"/debs/$rel/linux-image-"$kver"_*.deb "$root"
    touch "$root/.done-$kver"
  fi
  src=$CACHE/src-$v
  if [ ! -d "$src/drivers/vdpa" ]; then
    rm -rf "$src"; mkdir -p "$src"
    dpkg-deb --fsys-tarfile "$CACHE"/debs/$rel/linux-source-${v}_*.deb | tar -xO "./usr/src/linux-source-$v.tar.xz" |
      tar -xJ -C "$src" --strip-components=1 "linux-source-$v/drivers/vdpa" "linux-source-$v/drivers/vhost" "linux-source-$v/drivers/virtio"
  fi
done

# --- Debian 13 root: iproute2 with device_features, and the 6.12 toolchain
R=$CACHE/trixie-root
if [ ! -x "$R/usr/sbin/vdpa" ] || [ ! -d "$R/usr/src/linux-headers-$K612" ]; then
  log "debootstrapping Debian 13 into $R"
  [ -x "$R/usr/sbin/vdpa" ] || debootstrap --variant=minbase --include=iproute2,ca-certificates trixie "$R" http://deb.debian.org/debian >/dev/null
  mount -t proc proc "$R/proc"
  trap 'umount "$R/proc" 2>/dev/null || true' EXIT
  chroot "$R" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    gcc-14 libc6-dev make kmod xz-utils "linux-headers-$K612" >/dev/null
  umount "$R/proc"; trap - EXIT
fi

# --- the vDPA modules Debian leaves out, built against each kernel's headers
# 6.1 (Debian 12): CONFIG_VDPA is not set at all, so everything.
# 6.12 (Debian 13): vdpa, vhost_vdpa, virtio_vdpa are modules; the simulator,
# vringh and vp_vdpa are not built.
build() { # version kver parts builder...
  local v=$1 kver=$2 parts=$3; shift 3
  local modroot=$CACHE/kernel-$v; [ -d "$modroot/usr/lib/modules" ] && modroot=$modroot/usr
  local extra=$modroot/lib/modules/$kver/extra
  if [ ! -f "$extra/.done" ]; then
    log "building vDPA modules for $kver: $parts"
    rm -rf "$extra"; mkdir -p "$extra"
    "$@" "$parts" "$extra"
    depmod -b "$modroot" "$kver"
    touch "$extra/.done"
  fi
}
# The 6.12 modules are built inside the Debian 13 root, with its gcc-14 (the kernel's compiler).
chroot_build() { # parts extra
  chroot "$R" /build/build-modules.sh "/usr/src/linux-headers-$K612" /build/src "$1" /build/out
  cp "$R"/build/out/*.ko "$2/"
}
build 6.1 "$K61" "vringh vdpa vdpa_sim vhost_vdpa virtio_vdpa vp_vdpa" \
  "$HERE/build-modules.sh" "/usr/src/linux-headers-$K61" "$CACHE/src-6.1"
if [ ! -f "$CACHE/kernel-6.12/usr/lib/modules/$K612/extra/.done" ]; then
  rm -rf "$R/build"; mkdir -p "$R/build"
  cp -r "$CACHE/src-6.12" "$R/build/src"; cp "$HERE/build-modules.sh" "$R/build/"
fi
build 6.12 "$K612" "vringh vdpa_sim vp_vdpa" chroot_build
log "ready: $CACHE"
