#!/bin/bash
# Installs what the libvirt suite runs, from Debian's archive, once per machine:
#   - libvirt 9.0 (libvirt-daemon-system, libvirt-clients) and QEMU 7.2 (qemu-system-x86)
#   - QEMU 10.0 from bookworm-backports, unpacked into a cache (default
#     /var/cache/vdpa-compat-libvirt, or $VDPA_COMPAT_LIBVIRT_CACHE), never installed:
#     the emulator of the vDPA domain in the lab guest. libvirt 9.0 asks the source QEMU
#     for migration blockers before it contacts the destination, and QEMU 7.2 blocks
#     every vhost-vdpa netdev on vdpa_sim ("vhost lacks VHOST_F_LOG_ALL feature"), so
#     with 7.2 the destination's hook is never called. 10.0 migrates them (shadow
#     virtqueues) and runs on Debian 12's libraries.
#   prepare.sh
# Every step is skipped when its result is already there. Needs root.
#
# libvirt-daemon-system depends on libvirt-daemon-system-systemd OR -sysv; apt
# would pick the systemd flavour and upgrade systemd with it. These machines do
# not run systemd, so the sysv flavour is asked for by name: it adds only an
# init script, which nothing here runs (the suite starts its own daemons).
# No recommends: the suite needs neither dnsmasq nor the other hypervisors.
#
# Another process (a second suite, unattended upgrades) may hold apt's or
# dpkg's lock at the same time: wait for it and retry instead of failing.
set -u
export DEBIAN_FRONTEND=noninteractive
log() { echo "prepare-libvirt: $*" >&2; }
PACKAGES=(libvirt-daemon-system libvirt-daemon-system-sysv libvirt-clients qemu-system-x86)
# How long to wait for another apt or dpkg to let go of its lock, in seconds.
LOCK_WAIT=${VDPA_COMPAT_APT_LOCK_WAIT:-1200}

# apt_retry ARGS...: apt-get ARGS, retried while the only failure is a lock held by another
# process. DPkg::Lock::Timeout makes apt wait for dpkg's frontend lock itself; `apt-get update`
# does not wait for the lists lock, hence the loop. Any other failure is returned at once.
apt_retry() {
  local waited=0 out rc
  while :; do
    out=$(timeout 1800 apt-get -o DPkg::Lock::Timeout=60 "$@" 2>&1); rc=$?
    [ $rc -eq 0 ] && return 0
    if printf '%s' "$out" | grep -qE 'Could not get lock|Unable to lock|Unable to acquire the dpkg frontend lock|is another process using it'; then
      if [ $waited -ge "$LOCK_WAIT" ]; then
        log "apt-get $*: the lock is still held after ${waited}s"; printf '%s\n' "$out" >&2; return $rc
      fi
      log "apt-get: another process holds the lock ($(printf '%s' "$out" | grep -m1 -oE 'held by process [0-9]+ \([^)]*\)' || echo 'holder unknown')); waiting"
      sleep 10; waited=$((waited + 10)); continue
    fi
    printf '%s\n' "$out" >&2; return $rc
  done
}

need=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || { log "cannot install ${need[*]}: no apt-get"; exit 1; }
  log "installing ${need[*]}"
  apt_retry update -q || exit 1
  apt_retry install -y -q --no-install-recommends "${PACKAGES[@]}" || exit 1
fi
# --- QEMU 10 from bookworm-backports: a private apt state, so the host's sources stay as they are
CACHE=${VDPA_COMPAT_LIBVIRT_CACHE:-/var/cache/vdpa-compat-libvirt}
Q=$CACHE/qemu-backports
if [ ! -f "$Q/.done" ]; then
  A=$CACHE/apt-bookworm-backports
  mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$CACHE/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main" > "$A/sources.list"
  BA=(-o "Dir::Etc::SourceList=$A/sources.list" -o Dir::Etc::SourceParts=/nonexistent -o "Dir::State::Lists=$A/lists"
      -o "Dir::Cache=$A/cache" -o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
  log "fetching QEMU from bookworm-backports"
  apt_retry "${BA[@]}" update -q || exit 1
  rm -f "$CACHE"/debs/*.deb
  (cd "$CACHE/debs" && apt_retry "${BA[@]}" download -q qemu-system-x86 qemu-system-common qemu-system-data) || exit 1
  rm -rf "$Q"; mkdir -p "$Q"
  for deb in "$CACHE"/debs/*.deb; do dpkg-deb -x "$deb" "$Q" || exit 1; done
  "$Q/usr/bin/qemu-system-x86_64" -L "$Q/usr/share/qemu" --version | head -n1 > "$Q/.done" || { rm -f "$Q/.done"; exit 1; }
fi
log "QEMU for the vDPA domain: $(cat "$Q/.done") in $Q"

for cmd in libvirtd virsh qemu-system-x86_64; do
  command -v "$cmd" >/dev/null || { log "$cmd is missing after the install"; exit 1; }
done
log "ready: $(timeout 20 libvirtd --version) / $(timeout 20 virsh --version) / $(timeout 20 qemu-system-x86_64 --version | head -n1)"
