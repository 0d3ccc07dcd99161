#!/bin/bash
# The libvirt suite on this machine (libvirt.test.ts asserts what it records):
# two libvirtd 9.0 daemons, "src" and "dst", our hook installed on dst with
# `vdpa-compat hook install` into dst's own /etc/libvirt/hooks/qemu.d, and real
# live migrations of TCG domains without vDPA devices (this machine has no
# /dev/vhost-vdpa-N; the vDPA veto runs in the lab guest, vdpa-guest.sh):
#   1. a plain domain, and one annotated exactly as README shows, migrate: the
#      hook runs on dst's `migrate begin` and exits 0 with nothing on stdout;
#   3. with the CLI the hook points to moved away, a plain domain still starts
#      on dst and migrates to it, and so should an annotated one.
# And libvirt with a hook that exits without reading its stdin: a domain whose
# XML (256 KiB) is larger than a pipe holds starts on dst.
#   host.sh RUN_DIR BUNDLE_DIR      (BUNDLE_DIR: `npm run bundle`'s dist/bundle)
# Needs root and libvirt (lab/prepare.sh). Leaves nothing running: every
# daemon and QEMU it started is stopped by PID on exit, whatever failed.
set -u
RUN=$1; BUNDLE=$2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/daemons.sh"
. "$HERE/../lab/record.sh"
mkdir -p "$RUN"; RUN=$(realpath "$RUN")
: > "$RUN/cleanup.txt"
LV=$(mktemp -d "${TMPDIR:-/tmp}/vdpa-compat-libvirt.XXXXXX")
echo "$LV" > "$RUN/scratch.txt"
trap 'lv_cleanup; rm -rf "$LV"' EXIT
# A runner that times out sends TERM: exit through the EXIT trap, so the cleanup runs.
trap 'exit 143' TERM INT HUP
SP=16509; DP=16510
SRC="qemu+tcp://127.0.0.1:$SP/system"; DST="qemu+tcp://127.0.0.1:$DP/system"
NS=https://vdpa-compat.dev/xmlns/source-profiles/1
t0=$(date +%s)
log() { echo "[$(( $(date +%s) - t0 ))s] $*"; }

for port in $SP $DP; do
  if ss -Hltn "sport = :$port" | grep -q .; then echo "host: port $port is taken (another libvirtd?)"; exit 1; fi
done

# A private copy of the built bundle: the hook pins the CLI's path, and part 3 moves it.
W=$LV/w; mkdir -p "$W"
cp -a "$BUNDLE" "$W/cli"
CLI=$W/cli/vdpa-compat.cjs
rec versions sh -c "uname -r; libvirtd --version; virsh --version; qemu-system-x86_64 --version | head -n1; node --version; node '$CLI' --version"

lv_setup src $SP 5d2c0b6e-3f0a-4c8e-9b1d-7a4e2f6c8d01
lv_setup dst $DP 8e1f4a7c-6b2d-4e9f-a3c5-0d7b9e1f2a64
# As an operator does it on the destination, with the default --dir: run in dst's view of
# /etc/libvirt. Before dst starts: libvirt looks for hooks when the daemon starts.
rec hook-install lv_ns dst node "$CLI" hook install || exit 1
cp "$LV/dst/etc/hooks/qemu.d/vdpa-compat" "$RUN/hook-script.sh"
# Beside ours, a script that keeps the XML libvirt hands the hooks on migrate begin.
lv_record_hook_input dst "$RUN/hook-input"
cp "$LV/dst/etc/libvirtd.conf" "$RUN/dst-libvirtd.conf"; cp "$LV/src/etc/qemu.conf" "$RUN/qemu.conf"
lv_start src $SP || exit 1
lv_start dst $DP || exit 1
rec hook-status lv_ns dst node "$CLI" hook status

# A domain that needs nothing: no disk (SeaBIOS idles), no network, no balloon.
# (No word of the domain may spell v-d-p-a: the hook script's first filter looks for it.)
dom() { # dom NAME [DESCRIPTION]
  cat <<EOX
<domain type='qemu'>
  <name>$1</name>
  <description>${2:-}</description>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='pty'><target port='0'/></serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
EOX
}
# annotate DOMAIN CLI: the source-side step exactly as README shows it.
annotate() {
  virsh -c "$SRC" metadata "$1" --uri "$NS" --key vdpa-compat \
    --set "$(timeout 60 virsh -c "$SRC" dumpxml "$1" | timeout 60 node "$2" annotate -)" --live
}
# migrate DOMAIN PORT: a live migration src -> dst over 127.0.0.1, migration stream on PORT.
migrate() { VIRSH_TIMEOUT=300 lv_virsh $SP migrate --live --verbose "$1" "$DST" --migrateuri "tcp://127.0.0.1:$2"; }
state() { # state LABEL: both daemons' domains
  rec "state-src-$1" lv_virsh $SP list --all
  rec "state-dst-$1" lv_virsh $DP list --all
}

# --- 1. domains without vDPA migrate, the hook lets them in
dom vm-plain > "$RUN/vm-plain.xml"; dom vm-annotated > "$RUN/vm-annotated.xml"
rec define-plain lv_virsh $SP define "$RUN/vm-plain.xml"
rec define-annotated lv_virsh $SP define "$RUN/vm-annotated.xml"
log "start vm-plain on src"; rec start-plain lv_virsh $SP start vm-plain
log "migrate vm-plain"; rec migrate-plain migrate vm-plain 49200
state after-plain
log "start vm-annotated on src"; rec start-annotated lv_virsh $SP start vm-annotated
rec annotate-annotated annotate vm-annotated "$CLI"
rec dumpxml-annotated lv_virsh $SP dumpxml --migratable vm-annotated
log "migrate vm-annotated"; rec migrate-annotated migrate vm-annotated 49201
state after-annotated
# 256 KiB of XML: more than a pipe buffer (64 KiB), so libvirt is still writing when the
# hook exits (every phase but migrate begin) without reading it.
dom vm-large "$(head -c 262144 /dev/zero | tr '\0' x)" > "$RUN/vm-large.xml"
log "create vm-large on dst"; rec create-large lv_virsh $DP create "$RUN/vm-large.xml"
rec destroy-large lv_virsh $DP destroy vm-large

# --- 3. the CLI the hook points to is gone: nothing without vDPA may be blocked
# Stopping the migrated domains on dst runs the hook's stopped and release phases.
mv "$W/cli" "$W/cli.moved"
CLI_MOVED=$W/cli.moved/vdpa-compat.cjs
rec stale-hook-status lv_ns dst node "$CLI_MOVED" hook status
log "destroy both on dst"; rec stale-destroy-plain lv_virsh $DP destroy vm-plain
rec stale-destroy-annotated lv_virsh $DP destroy vm-annotated
# A domain started on dst itself: prepare, start, started with the stale hook.
dom vm-local > "$RUN/vm-local.xml"
log "start vm-local on dst"; rec stale-create-local lv_virsh $DP create "$RUN/vm-local.xml"
rec stale-destroy-local lv_virsh $DP destroy vm-local
# An incoming migration of the plain domain, and of the annotated one (annotated again: --live
# metadata went with the migrated instance; the source's definition never had it).
log "start vm-plain on src"; rec stale-start-plain lv_virsh $SP start vm-plain
log "migrate vm-plain (stale hook)"; rec stale-migrate-plain migrate vm-plain 49202
log "start vm-annotated on src"; rec stale-start-annotated lv_virsh $SP start vm-annotated
rec stale-annotate-annotated annotate vm-annotated "$CLI_MOVED"
log "migrate vm-annotated (stale hook)"; rec stale-migrate-annotated migrate vm-annotated 49203
state after-stale
log "done"
echo "host: scenario done"
