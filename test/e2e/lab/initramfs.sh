#!/bin/bash
# A busybox initramfs that can mount 9p shares, for one prepared kernel.
#   initramfs.sh 6.1|6.12 OUT.cpio.gz [INIT [MODULE...]]
# INIT (default guest-init here) becomes /init; the modules (default virtio_pci 9pnet_virtio 9p)
# are packed with their dependencies into /mods, their load order in /modules.order. The QEMU migration
# suite builds its L2 guest's initramfs with it (its l2-init, virtio_pci virtio_net).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${VDPA_COMPAT_E2E_CACHE:-/var/cache/vdpa-compat-e2e}
. "$CACHE/kernels.env"
V=$1; OUT=$2; INIT=${3:-$HERE/guest-init}
shift 2; shift $(( $# > 0 ? 1 : 0 ))
MODULES=("$@"); [ ${#MODULES[@]} -gt 0 ] || MODULES=(virtio_pci 9pnet_virtio 9p)
case $V in 6.1) KVER=$K61 ;; 6.12) KVER=$K612 ;; *) echo "initramfs: kernel must be 6.1 or 6.12" >&2; exit 2 ;; esac
ROOT=$CACHE/kernel-$V; [ -d "$ROOT/usr/lib/modules" ] && ROOT=$ROOT/usr
MD=$ROOT/lib/modules/$KVER
W=$(mktemp -d "${TMPDIR:-/tmp}/vdpa-compat-initrd.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W"/{bin,proc,sys,dev,host,mods}
cp /bin/busybox "$W/bin/busybox"
# Modules the initramfs needs, dependencies first (modules.dep lists them).
declare -A seen=(); order=()
add() {
  local rel=$1 dep
  [ -n "${seen[$rel]:-}" ] && return; seen[$rel]=1
  for dep in $(grep -E "^${rel//+/\\+}:" "$MD/modules.dep" | cut -d: -f2-); do add "$dep"; done
  order+=("$rel")
}
for m in "${MODULES[@]}"; do
  rel=$(grep -oE "^[^:]*/$m\.ko(\.xz|\.zst)?:" "$MD/modules.dep" | tr -d : || true)
  [ -n "$rel" ] && add "$rel"
done
for rel in "${order[@]}"; do
  b=$(basename "$rel")
  case $b in
    *.xz) xz -dc "$MD/$rel" > "$W/mods/${b%.xz}"; b=${b%.xz} ;;
    *.zst) zstd -qdc "$MD/$rel" > "$W/mods/${b%.zst}"; b=${b%.zst} ;;
    *) cp "$MD/$rel" "$W/mods/$b" ;;
  esac
  echo "$b" >> "$W/modules.order"
done
cp "$INIT" "$W/init"; chmod +x "$W/init"
(cd "$W" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT"
