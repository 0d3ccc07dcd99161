#!/bin/bash
# Prepares what the QEMU migration suite needs beyond test/e2e/lab/prepare.sh (run that first:
# kernel 6.12, vDPA modules, Debian 13 root), once per machine, into the same cache
# (default /var/cache/vdpa-compat-e2e, or $VDPA_COMPAT_E2E_CACHE):
#   - QEMU 10.0.2 from bookworm-backports (qemu-system-x86, -common, -data
#     1:10.0.2+ds-2+deb13u1~bpo12+1, the lab's QEMU for real vhost-vdpa migrations), fetched
#     with a throw-away apt config and unpacked with dpkg-deb -x into $CACHE/qemu-10.0.2, never
#     installed. It runs on Debian 12's libraries; this machine's QEMU 7.2 is the other version.
#   - QEMU 10.0.13 from Debian 13 (qemu-system-x86 1:10.0.13+ds-0+deb13u1, the one that asks for
#     1024-entry rings): the packages the Debian 13 root lacks for it, by apt's own resolution
#     against that root's dpkg status, unpacked into $CACHE/qemu-10.0.13; the scenario runs it
#     with the root's loader and libraries. The root itself is left as it is.
#   - the L2 guest's initramfs (busybox, virtio_net of kernel 6.12, lab/l2-init) in
#     $CACHE/l2-initrd-6.12.cpio.gz.
# Adapted from the lab's setup (../shared/lab: qemu-migration.md, mkinitramfs.sh with
# MODULES=virtio_net INIT=guest/l2-init-migration). Every step is skipped when its result is
# already in the cache. Needs root.
#   prepare.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${VDPA_COMPAT_E2E_CACHE:-/var/cache/vdpa-compat-e2e}
. "$CACHE/kernels.env"
export DEBIAN_FRONTEND=noninteractive
log() { echo "prepare-qemu: $*" >&2; }
QVER=1:10.0.2+ds-2+deb13u1~bpo12+1

# --- QEMU 10.0.2 from bookworm-backports: a private apt state, the host's sources stay as they are
Q=$CACHE/qemu-10.0.2
if [ ! -f "$Q/.done" ]; then
  A=$CACHE/apt-bookworm-backports
  mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$CACHE/debs/bpo"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main" > "$A/sources.list"
  BA=(-o "Dir::Etc::SourceList=$A/sources.list" -o Dir::Etc::SourceParts=/nonexistent -o "Dir::State::Lists=$A/lists"
      -o "Dir::Cache=$A/cache" -o Dir::State::status=/dev/null -o APT::Sandbox::User=root -o DPkg::Lock::Timeout=300)
  log "fetching QEMU $QVER from bookworm-backports"
  timeout 900 apt-get "${BA[@]}" update -q >/dev/null
  rm -f "$CACHE"/debs/bpo/*.deb
  (cd "$CACHE/debs/bpo" && timeout 900 apt-get "${BA[@]}" download -q "qemu-system-x86=$QVER" "qemu-system-common=$QVER" "qemu-system-data=$QVER" >/dev/null)
  rm -rf "$Q"; mkdir -p "$Q"
  for deb in "$CACHE"/debs/bpo/*.deb; do dpkg-deb -x "$deb" "$Q"; done
  timeout 60 "$Q/usr/bin/qemu-system-x86_64" -L "$Q/usr/share/qemu" --version | head -n1 > "$Q/.version"
  grep -q 'version 10\.0\.2 ' "$Q/.version" || { log "unexpected QEMU: $(cat "$Q/.version")"; exit 1; }
  mv "$Q/.version" "$Q/.done"
fi
log "QEMU 10.0.2: $(cat "$Q/.done")"

# --- QEMU 10.0.13 from Debian 13, beside the e2e suite's Debian 13 root (which stays untouched)
Q13=$CACHE/qemu-10.0.13
Q13VER=1:10.0.13+ds-0+deb13u1
if [ ! -f "$Q13/.done" ]; then
  T=$CACHE/apt-trixie R=$CACHE/trixie-root
  TA=(-o "Dir::Etc::SourceList=$T/sources.list" -o Dir::Etc::SourceParts=/nonexistent -o "Dir::State::Lists=$T/lists"
      -o "Dir::Cache=$T/cache" -o "Dir::State::status=$R/var/lib/dpkg/status" -o APT::Sandbox::User=root -o DPkg::Lock::Timeout=300)
  [ -n "$(ls "$T/lists" 2>/dev/null | grep -v partial)" ] || timeout 900 apt-get "${TA[@]}" update -q >/dev/null
  # Debian keeps only a suite's current version: should 10.0.13 be gone, say so rather than test another QEMU.
  PKGS=$(apt-get "${TA[@]}" install --simulate --no-install-recommends -q "qemu-system-x86=$Q13VER" 2>&1 | sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*/\1=\2/p') ||
    true
  [ -n "$PKGS" ] || { log "Debian 13 has no qemu-system-x86 $Q13VER any more: $(apt-cache "${TA[@]}" policy qemu-system-x86 | sed -n 's/ *Candidate: //p') instead; update Q13VER and the suite's expectations"; exit 1; }
  log "fetching QEMU $Q13VER from Debian 13 ($(echo "$PKGS" | wc -l) packages the root lacks)"
  rm -rf "$CACHE/debs/trixie-qemu"; mkdir -p "$CACHE/debs/trixie-qemu"
  # shellcheck disable=SC2086
  (cd "$CACHE/debs/trixie-qemu" && timeout 900 apt-get "${TA[@]}" download -q $PKGS >/dev/null)
  rm -rf "$Q13"; mkdir -p "$Q13"
  for deb in "$CACHE"/debs/trixie-qemu/*.deb; do dpkg-deb -x "$deb" "$Q13"; done
  timeout 60 env "QEMU_MODULE_DIR=$Q13/usr/lib/x86_64-linux-gnu/qemu" "$R/lib64/ld-linux-x86-64.so.2" \
    --library-path "$Q13/usr/lib/x86_64-linux-gnu:$R/usr/lib/x86_64-linux-gnu" "$Q13/usr/bin/qemu-system-x86_64" \
    -L "$Q13/usr/share/qemu" --version | head -n1 > "$Q13/.version"
  grep -q 'version 10\.0\.13 ' "$Q13/.version" || { log "unexpected QEMU: $(cat "$Q13/.version")"; exit 1; }
  mv "$Q13/.version" "$Q13/.done"
fi
log "QEMU 10.0.13: $(cat "$Q13/.done")"
log "QEMU 7.2: $(timeout 60 qemu-system-x86_64 --version | head -n1)"

# --- the L2 guest's initramfs: busybox, virtio_net and its dependencies, lab/l2-init
L2=$CACHE/l2-initrd-6.12.cpio.gz
SUM=$(cat "$HERE/l2-init" "$HERE/../../e2e/lab/initramfs.sh" /bin/busybox | sha256sum | cut -c1-16)
if [ ! -f "$L2" ] || [ "$(cat "$L2.sum" 2>/dev/null)" != "$SUM" ]; then
  # The e2e suite's initramfs builder, with the L2 guest's init and modules (dependencies first).
  "$HERE/../../e2e/lab/initramfs.sh" 6.12 "$L2" "$HERE/l2-init" virtio_pci virtio_net
  echo "$SUM" > "$L2.sum"
  log "L2 initramfs: $L2"
fi
# --- the L2 guest's kernel, uncompressed: QEMU boots the ELF through its PVH entry (CONFIG_PVH=y
# in Debian's config), so the L2 guest no longer decompresses a 12 MB zstd bzImage under TCG in
# TCG. Measured here (QEMU 7.2, TCG, the same initramfs, to "L2 READY"): 25 s from the bzImage, 9 s
# from this. The kernel is the same; the scenario falls back on the bzImage without this file.
L2V=$CACHE/l2-vmlinux-$K612
if [ ! -f "$L2V" ]; then
  BZ=$CACHE/kernel-6.12/boot/vmlinuz-$K612
  # The payload is the first zstd frame (magic 28 b5 2f fd, as scripts/extract-vmlinux finds it);
  # zstd complains about what follows it, so the result is judged by its ELF header instead.
  off=$(LC_ALL=C grep -abo $'\x28\xb5\x2f\xfd' "$BZ" | head -n1 | cut -d: -f1 || true)
  [ -n "$off" ] && { tail -c +$((off + 1)) "$BZ" | zstd -dcq > "$L2V.tmp" 2>/dev/null || true; }
  if [ "$(head -c 4 "$L2V.tmp" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
    mv "$L2V.tmp" "$L2V"; log "L2 kernel for PVH boot: $L2V"
  else
    rm -f "$L2V.tmp"; log "no uncompressed L2 kernel (zstd missing?): the L2 guest boots the bzImage"
  fi
fi
log "ready: $Q, $Q13, $L2"
