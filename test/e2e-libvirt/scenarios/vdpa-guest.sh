#!/bin/bash
# The vDPA part of the libvirt suite, run inside the Debian 13 kernel 6.12 lab
# guest by test/e2e/lab/boot.sh (this machine has no /dev/vhost-vdpa-N). The
# guest runs this machine's libvirt 9.0, node and checkout from its read-only
# root, and QEMU 10.0 unpacked by lab/prepare.sh (QEMU 7.2 blocks migrating a
# vhost-vdpa netdev on vdpa_sim, so libvirt's source would refuse before the
# destination's hook ran); everything written goes to /run (tmpfs) and $OUT.
# $OUT/lab.env (written by libvirt.test.ts) says where prepare.sh's cache is.
#   2. a domain with <interface type='vdpa'> on a vdpa_sim_net device, annotated
#      on the source exactly as README shows, is migrated live to a target
#      device without CTRL_MAC_ADDR (which the source offers): the hook on dst
#      vetoes it on `migrate begin`, libvirt cancels the migration, the domain
#      keeps running on src, and virsh's error carries the hook's stderr line.
#   3. with the CLI the hook points to moved away, the same migration is still
#      vetoed (a vDPA domain cannot be checked), and a vDPA domain still starts
#      on dst: a stale hook never blocks a VM start.
# Source and target devices are simulator devices in this one guest; the two
# daemons are those of lab/daemons.sh. libvirt.test.ts asserts the record.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/daemons.sh"
. "$HERE/../lab/record.sh"
RUN=$OUT/run; mkdir -p "$RUN"; : > "$RUN/cleanup.txt"
. "$OUT/lab.env"   # LIBVIRT_CACHE
LV=/run/tmp/lv; mkdir -p "$LV"
trap 'lv_cleanup' EXIT
trap 'exit 143' TERM INT HUP
SP=16509; DP=16510
SRC="qemu+tcp://127.0.0.1:$SP/system"; DST="qemu+tcp://127.0.0.1:$DP/system"
NS=https://vdpa-compat.dev/xmlns/source-profiles/1
MAC=52:54:00:00:00:01
t0=$(date +%s)
log() { echo "[$(( $(date +%s) - t0 ))s] $*"; }
mp() { modprobe -d "$E2E_MODROOT" "$@"; }
# iproute2 6.15 (Debian 13's, with device_features) runs in its root; this machine's is 6.1.
vdpa615() { timeout 30 chroot "$E2E_TRIXIE" /usr/sbin/vdpa "$@"; }
# vhostdev DEV: the /dev/vhost-vdpa-N of a vdpa device bound to vhost_vdpa.
vhostdev() { basename "$(ls -d /sys/bus/vdpa/devices/$1/vhost-vdpa-* 2>/dev/null | head -n1)"; }

ip link set lo up
mp vdpa_sim_net && mp vhost_vdpa || { echo "guest: modprobe failed"; exit 1; }
# The source device, as the simulator makes it (6.12: MTU MAC STATUS CTRL_VQ CTRL_MAC_ADDR
# ANY_LAYOUT VERSION_1 ACCESS_PLATFORM), and targets for the incoming domain:
# vdpa1 without CTRL_MAC_ADDR (0x308030028: MTU MAC STATUS CTRL_VQ ANY_LAYOUT VERSION_1
# ACCESS_PLATFORM), and vdpa2, identical to the source, for the VM started on dst in part 3.
rec add-source vdpa615 dev add name vdpa0 mgmtdev vdpasim_net mac $MAC || exit 1
rec add-target-no-macctl vdpa615 dev add name vdpa1 mgmtdev vdpasim_net mac $MAC device_features 0x308030028 || exit 1
rec add-spare vdpa615 dev add name vdpa2 mgmtdev vdpasim_net mac $MAC || exit 1
V0=$(vhostdev vdpa0); V1=$(vhostdev vdpa1); V2=$(vhostdev vdpa2)
[ -n "$V0" ] && [ -n "$V1" ] && [ -n "$V2" ] || { echo "guest: devices not bound to vhost_vdpa"; ls -l /sys/bus/vdpa/devices/*/; exit 1; }
printf 'vdpa0 /dev/%s source\nvdpa1 /dev/%s target without CTRL_MAC_ADDR\nvdpa2 /dev/%s spare (identical to the source)\n' "$V0" "$V1" "$V2" > "$RUN/devices.txt"
rec config-show vdpa615 -jp dev config show

W=$LV/w; mkdir -p "$W"
# The emulator: QEMU 10 with its own data directory (-L; the BIOS still comes from this
# machine's seabios). QEMU 10 would load QEMU 7.2's modules from this machine's module
# directory and abort on libvirt's capability probe ("Only modules from the same build can be
# loaded"), so the wrapper hides that directory behind QEMU 10's own, in a mount namespace of
# its own (unshare -m without a fork, so libvirt's QEMU keeps its PID).
Q10=$LIBVIRT_CACHE/qemu-backports
EMULATOR=$W/qemu-10
cat > "$EMULATOR" <<EOW
#!/bin/sh
exec unshare -m sh -c 'mount --bind $Q10/usr/lib/x86_64-linux-gnu/qemu /usr/lib/x86_64-linux-gnu/qemu && exec $Q10/usr/bin/qemu-system-x86_64 -L $Q10/usr/share/qemu "\$@"' qemu-10 "\$@"
EOW
chmod 755 "$EMULATOR"; cp "$EMULATOR" "$RUN/emulator-wrapper.sh"
cp -a "$E2E_REPO/dist/bundle" "$W/cli"
CLI=$W/cli/vdpa-compat.cjs
rec versions sh -c "uname -r; libvirtd --version; virsh --version; $EMULATOR --version | head -n1; node --version; node '$CLI' --version; chroot '$E2E_TRIXIE' /usr/sbin/vdpa -V"

lv_setup src $SP 5d2c0b6e-3f0a-4c8e-9b1d-7a4e2f6c8d01
lv_setup dst $DP 8e1f4a7c-6b2d-4e9f-a3c5-0d7b9e1f2a64
rec hook-install lv_ns dst node "$CLI" hook install || exit 1
cp "$LV/dst/etc/hooks/qemu.d/vdpa-compat" "$RUN/hook-script.sh"
# Beside ours, a script that keeps the XML libvirt hands the hooks on migrate begin, so the
# record holds exactly what our hook read (libvirt runs qemu.d scripts in alphabetical order,
# each with its own copy of the XML on stdin).
lv_record_hook_input dst "$RUN/hook-input"
lv_start src $SP || exit 1
# The first daemon probes QEMU's capabilities (slow under nested TCG); dst reuses its cache.
log "probing QEMU on src"; rec domcapabilities lv_virsh $SP domcapabilities --emulatorbin "$EMULATOR" --virttype qemu
mkdir -p "$LV/dst/cache/qemu"; cp -a "$LV/src/cache/qemu/capabilities" "$LV/dst/cache/qemu/" 2>/dev/null
lv_start dst $DP || exit 1

dom() { # dom NAME VHOSTDEV
  cat <<EOX
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>$EMULATOR</emulator>
    <interface type='vdpa'>
      <source dev='/dev/$2'/>
      <mac address='$MAC'/>
      <model type='virtio'/>
      <rom enabled='no'/>
    </interface>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
EOX
}
annotate() { # annotate DOMAIN CLI: the source-side step exactly as README shows it
  virsh -c "$SRC" metadata "$1" --uri "$NS" --key vdpa-compat \
    --set "$(timeout 60 virsh -c "$SRC" dumpxml "$1" | timeout 60 node "$2" annotate -)" --live
}
migrate() { VIRSH_TIMEOUT=300 lv_virsh $SP migrate --live --verbose "$1" "$DST" --migrateuri "tcp://127.0.0.1:$2" --xml "$3"; }
state() { # state LABEL
  rec "state-src-$1" lv_virsh $SP list --all
  rec "state-dst-$1" lv_virsh $DP list --all
  rec "domstate-src-$1" lv_virsh $SP domstate vm-vdpa --reason
}

# --- 2. the annotated vDPA domain, to a target without CTRL_MAC_ADDR: vetoed
dom vm-vdpa "$V0" > "$RUN/vm-vdpa.xml"
rec define lv_virsh $SP define "$RUN/vm-vdpa.xml"
log "start vm-vdpa on src"; rec start lv_virsh $SP start vm-vdpa || exit 1
rec annotate annotate vm-vdpa "$CLI"
rec dumpxml-annotated lv_virsh $SP dumpxml vm-vdpa
# The incoming definition: the same domain on the target device.
lv_virsh $SP dumpxml --migratable vm-vdpa | sed "s|<source dev='/dev/$V0'/>|<source dev='/dev/$V1'/>|" > "$RUN/vm-vdpa-on-target.xml"
grep -q "/dev/$V1" "$RUN/vm-vdpa-on-target.xml" || { echo "guest: no target device in the migration XML"; exit 1; }
# What the hook will find on this host, for the replay in npm test.
rec collect-target node "$CLI" collect --save-raw "$RUN/dump-at-migration" --force
log "migrate vm-vdpa to /dev/$V1"; rec migrate-incompatible migrate vm-vdpa 49210 "$RUN/vm-vdpa-on-target.xml"
state after-veto
rec dst-qemu-logs ls -A "$LV/dst/log/qemu"

# --- 3. the CLI the hook points to is gone
mv "$W/cli" "$W/cli.moved"
CLI_MOVED=$W/cli.moved/vdpa-compat.cjs
rec stale-hook-status lv_ns dst node "$CLI_MOVED" hook status
log "migrate vm-vdpa (stale hook)"; rec stale-migrate-incompatible migrate vm-vdpa 49211 "$RUN/vm-vdpa-on-target.xml"
state after-stale-veto
dom vm-vdpa-local "$V2" > "$RUN/vm-vdpa-local.xml"
log "start vm-vdpa-local on dst (stale hook)"; rec stale-create-local lv_virsh $DP create "$RUN/vm-vdpa-local.xml"
rec stale-list-dst lv_virsh $DP list --all
rec stale-destroy-local lv_virsh $DP destroy vm-vdpa-local
log "done"
echo "guest: scenario done"
