# The end-to-end suite, run inside the guest (kernel 6.1 or 6.12) by
# test/e2e/e2e.test.ts. It creates real vDPA devices on the simulator and on
# vp_vdpa parents, records every vdpa command it runs (test/e2e/README.md),
# collects each state with both sources and both iproute2 builds, and runs the
# project's CLI on migration pairs. The host side asserts the verdicts.
set -u
cd "$E2E_REPO"
R=$OUT/run
mkdir -p "$R/cmd" "$R/dumps" "$R/reports"
: > "$R/cmd/INDEX.tsv"
n=0

# iproute2 6.1 is this machine's; Debian 13's (6.15, with device_features) runs in its root.
VDPA61=/usr/sbin/vdpa
VDPA615=/run/tmp/vdpa-6.15
printf '#!/bin/sh\nexec chroot %s /usr/sbin/vdpa "$@"\n' "$E2E_TRIXIE" > "$VDPA615"
chmod +x "$VDPA615"

# run NAME CMD...: runs a command and keeps its stdout, stderr and exit status.
run() {
  local name
  n=$((n + 1)); name=$(printf '%03d-%s' "$n" "$1"); shift
  "$@" > "$R/cmd/$name.stdout" 2> "$R/cmd/$name.stderr"
  local rc=$?
  echo "$rc" > "$R/cmd/$name.rc"
  printf '%s\t%s\t%s\n' "$name" "$rc" "$*" >> "$R/cmd/INDEX.tsv"
  return $rc
}
cli() { node dist/bin/vdpa-compat.cjs "$@"; }
mp() { modprobe -d "$E2E_MODROOT" "$@"; }
# bind DEV DRIVER: moves a vdpa device to a bus driver.
bind() {
  local cur
  cur=$(basename "$(readlink "/sys/bus/vdpa/devices/$1/driver" 2>/dev/null)" 2>/dev/null)
  [ -n "$cur" ] && [ "$cur" != "$2" ] && echo "$1" > "/sys/bus/vdpa/drivers/$cur/unbind"
  [ "$cur" != "$2" ] && echo "$1" > "/sys/bus/vdpa/drivers/$2/bind"
  run "bind-$1-$2" readlink "/sys/bus/vdpa/devices/$1/driver"
}
# collect STATE: the whole host, with raw netlink and with each iproute2 build.
collect_all() {
  run "collect-$1-netlink" cli collect --source netlink --save-raw "$R/dumps/$1-netlink" --force
  run "collect-$1-tool61" cli collect --source vdpa-tool --vdpa "$VDPA61" --save-raw "$R/dumps/$1-tool61" --force
  run "collect-$1-tool615" cli collect --source vdpa-tool --vdpa "$VDPA615" --save-raw "$R/dumps/$1-tool615" --force
}
# check NAME DUMP SOURCE_DEV TARGET_DEV [ARGS]: one migration pair, JSON report kept, checked as if
# both hosts ran the lab's QEMU 10.0.2 (the guest's own QEMU, 7.2, blocks every vhost-vdpa migration:
# pair host-qemu shows that).
QEMU_AS="--source-qemu 10.0.2 --target-qemu 10.0.2"
check() {
  local name=$1 dump=$2 src=$3 tgt=$4; shift 4
  # shellcheck disable=SC2086
  check_with "$name" "$dump" "$src" "$tgt" $QEMU_AS "$@"
}
check_with() {
  local name=$1 dump=$2 src=$3 tgt=$4; shift 4
  run "check-$name" cli check "$R/dumps/$dump" "$R/dumps/$dump" --source-device "$src" --target-device "$tgt" --json "$@"
  cp "$R/cmd/$(printf '%03d' "$n")-check-$name.stdout" "$R/reports/$name.json"
  cat "$R/cmd/$(printf '%03d' "$n")-check-$name.rc" > "$R/reports/$name.rc"
}

run versions sh -c 'uname -r; /usr/sbin/vdpa -V; '"$VDPA615"' -V'
mp vdpa_sim_net && mp vdpa_sim_blk && mp vhost_vdpa && mp virtio_vdpa && mp virtio_net && mp virtio_blk || echo "E2E: modprobe failed"

# --- simulator devices (features: 6.1 MTU MAC CTRL_VQ CTRL_MAC_ADDR ANY_LAYOUT VERSION_1 ACCESS_PLATFORM; 6.12 adds STATUS)
run mgmtdev-show $VDPA61 -j mgmtdev show
# src: the guest side; the in-guest virtio_net negotiates through virtio_vdpa.
run add-src $VDPA61 dev add name src mgmtdev vdpasim_net
bind src virtio_vdpa
# Idle targets on vhost_vdpa.
run add-same $VDPA61 dev add name same mgmtdev vdpasim_net
run add-idle $VDPA61 dev add name idle mgmtdev vdpasim_net
run add-mtu9000 $VDPA61 dev add name mtu9000 mgmtdev vdpasim_net mtu 9000
run add-othermac $VDPA61 dev add name othermac mgmtdev vdpasim_net mac 00:11:22:33:44:55
for d in same idle mtu9000 othermac; do bind "$d" vhost_vdpa; done
# nomacctl: a guest without CTRL_MAC_ADDR (device_features needs iproute2 >= 6.2):
# MTU MAC CTRL_VQ VERSION_1 ACCESS_PLATFORM (+ STATUS where the parent has it).
FEAT=0x300020028
$VDPA61 -j mgmtdev show vdpasim_net | grep -q '"STATUS"' && FEAT=0x300030028
run add-nomacctl $VDPA615 dev add name nomacctl mgmtdev vdpasim_net device_features "$FEAT"
bind nomacctl virtio_vdpa
# fewer: everything but CTRL_VQ and CTRL_MAC_ADDR, which no config key reveals.
FEWER=0x308000028
[ "$FEAT" = 0x300030028 ] && FEWER=0x308010028
run add-fewer $VDPA615 dev add name fewer mgmtdev vdpasim_net device_features "$FEWER"
bind fewer vhost_vdpa
# A target the host kernel drives, and a block device.
run add-hostdriven $VDPA61 dev add name hostdriven mgmtdev vdpasim_net
bind hostdriven virtio_vdpa
run add-blk $VDPA61 dev add name blk mgmtdev vdpasim_blk
bind blk vhost_vdpa
sleep 2
run dev-show $VDPA61 -j dev show
for d in src same nomacctl fewer hostdriven blk; do run "config-$d" $VDPA61 -j dev config show "$d"; done
collect_all sim

check identical sim-netlink same idle --strict
check negotiated-to-same sim-netlink src same --strict
check mtu-differs sim-netlink src mtu9000
check mac-differs-ctrl-mac-addr sim-netlink src othermac
check mac-differs-no-ctrl-mac-addr sim-netlink nomacctl othermac
check fewer-features sim-netlink src fewer
check fewer-features-tool61 sim-tool61 src fewer
check fewer-features-tool615 sim-tool615 src fewer
check net-to-blk sim-netlink src blk
check target-virtio-vdpa sim-netlink src hostdriven
check_with host-qemu sim-netlink same idle

# --- the libvirt hook against live devices: annotate on the "source" (device same), then run the
# hook as libvirt would for an incoming migration whose <source dev> is another device of this host.
chardev() { basename "$(ls -d /sys/bus/vdpa/devices/$1/vhost-vdpa-* 2>/dev/null | head -n1)"; }
TEMPLATE="$E2E_REPO/test/fixtures/libvirt/vm-vdpa-interface.xml"
# The domain's QEMU: the recorded --version of the lab's 10.0.2 (test/fixtures/qemu), not the guest's 7.2.
QEMU1002="$E2E_REPO/test/fixtures/qemu/debian-10.0.2/qemu-system-x86_64"
sed -e "s#/dev/vhost-vdpa-0#/dev/$(chardev same)#" -e "s#<emulator>[^<]*</emulator>#<emulator>$QEMU1002</emulator>#" "$TEMPLATE" > /run/tmp/source.xml
run annotate cli annotate --namespaced /run/tmp/source.xml
META="$R/cmd/$(printf '%03d' "$n")-annotate.stdout"
hook_to() { # NAME DEVICE: the incoming domain uses DEVICE on this host, run by the same recorded QEMU
  node -e 'const fs = require("fs"); const [tpl, meta, dev, qemu, out] = process.argv.slice(1);
    fs.writeFileSync(out, fs.readFileSync(tpl, "utf8").replace("/dev/vhost-vdpa-0", dev).replace(/<emulator>[^<]*<\/emulator>/, "<emulator>" + qemu + "</emulator>").replace("<resource>", "<metadata>" + fs.readFileSync(meta, "utf8") + "</metadata><resource>"));' \
    "$TEMPLATE" "$META" "/dev/$(chardev "$2")" "$QEMU1002" "/run/tmp/$1.xml"
  run "hook-$1" sh -c "cd /run/tmp && node $E2E_REPO/dist/bin/vdpa-compat.cjs hook qemu -- vm-vdpa-net migrate begin - < /run/tmp/$1.xml"
  cp "$R/cmd/$(printf '%03d' "$n")-hook-$1.rc" "$R/reports/hook-$1.rc"
  cp "$R/cmd/$(printf '%03d' "$n")-hook-$1.stderr" "$R/reports/hook-$1.stderr"
}
hook_to to-idle idle
hook_to to-fewer fewer

# --- provisioning plans on the live host: each plan made for a device of the recorded simulator
# state with each iproute2 build, applied here (plan --apply: dev add, bind, collect again with raw
# netlink, check --strict, undo on failure), its report kept, and the device deleted again so every
# plan starts from the same host.
# Only a device the apply reports as created is deleted: after a refused dev add there is none, and
# on vp_vdpa a dev del then oopses the kernel (fixtures/VP_VDPA.md).
plan_apply() { # NAME DUMP SOURCE_DEV VDPA [ARGS]
  local name=$1 dump=$2 src=$3 vdpa=$4; shift 4
  # shellcheck disable=SC2086
  run "plan-$name" cli plan "$R/dumps/$dump" --source-device "$src" --apply --name "p-$name" --vdpa "$vdpa" --source netlink --json $QEMU_AS "$@"
  cp "$R/cmd/$(printf '%03d' "$n")-plan-$name.stdout" "$R/reports/plan-$name.apply"
  cat "$R/cmd/$(printf '%03d' "$n")-plan-$name.rc" > "$R/reports/plan-$name.rc"
  if grep -q '"created": true' "$R/reports/plan-$name.apply"; then $VDPA61 dev del "p-$name" || echo "E2E: could not delete p-$name"; fi
}
for d in src same nomacctl fewer mtu9000 othermac; do
  plan_apply "$d-tool615" sim-netlink "$d" "$VDPA615"
  plan_apply "$d-tool61" sim-netlink "$d" "$VDPA61"
done
# plan --baseline FILE --apply: a baseline made from this guest's own dumps (the simulator state read
# with each iproute2 build: hosts that know their vdpa tool), applied live with each build, the device
# re-collected with raw netlink and checked --strict against the baseline's device; deleted again.
run baseline-lab cli baseline "$R/dumps/sim-tool61" "$R/dumps/sim-tool615" --class net --name lab --qemu 10.0.2 -o "$R/reports/baseline-lab.yaml" --force
baseline_apply() { # NAME VDPA
  local name=$1 vdpa=$2
  # shellcheck disable=SC2086
  run "plan-$name" cli plan --baseline "$R/reports/baseline-lab.yaml" --apply --name "p-$name" --vdpa "$vdpa" --source netlink --json $QEMU_AS
  cp "$R/cmd/$(printf '%03d' "$n")-plan-$name.stdout" "$R/reports/plan-$name.apply"
  cat "$R/cmd/$(printf '%03d' "$n")-plan-$name.rc" > "$R/reports/plan-$name.rc"
  if grep -q '"created": true' "$R/reports/plan-$name.apply"; then $VDPA61 dev del "p-$name" || echo "E2E: could not delete p-$name"; fi
}
baseline_apply baseline-lab-tool615 "$VDPA615"
baseline_apply baseline-lab-tool61 "$VDPA61"
# What the kernel says to plans a planner must not make (each deleted again if it was taken).
run refuse-mtu-below-68 $VDPA615 dev add name bad1 mgmtdev vdpasim_net mtu 60
run refuse-mac-without-f-mac $VDPA615 dev add name bad2 mgmtdev vdpasim_net mac 00:11:22:33:44:66 device_features 0x300000000
run refuse-features-beyond-parent $VDPA615 dev add name bad3 mgmtdev vdpasim_net device_features 0x300400000
run refuse-max-vqp-sim $VDPA615 dev add name bad4 mgmtdev vdpasim_net max_vqp 2
for b in bad1 bad2 bad3 bad4; do $VDPA61 dev del "$b" 2>/dev/null || true; done

# --- vp_vdpa parents (fixtures/VP_VDPA.md): one device per parent, never deleted
# (a device deleted after a refused add oopses vp_vdpa).
for f in 0000:00:05.0 0000:00:06.0 0000:00:07.0; do
  [ -e "/sys/bus/pci/devices/$f/driver" ] && echo "$f" > "/sys/bus/pci/devices/$f/driver/unbind"
  echo vp-vdpa > "/sys/bus/pci/devices/$f/driver_override"
done
mp vp_vdpa || echo "E2E: vp_vdpa failed"
run vp-mgmtdev-show $VDPA61 -j mgmtdev show
run add-vpa $VDPA61 dev add name vpa mgmtdev pci/0000:00:05.0
run add-vpb $VDPA61 dev add name vpb mgmtdev pci/0000:00:06.0
run add-vpc $VDPA61 dev add name vpc mgmtdev pci/0000:00:07.0
bind vpa virtio_vdpa
bind vpb vhost_vdpa
bind vpc vhost_vdpa
sleep 2
for d in vpa vpb vpc; do run "config-$d" $VDPA61 -j dev config show "$d"; done
collect_all vp

check vp-a-to-b vp-netlink vpa vpb
check vp-a-to-c vp-netlink vpa vpc
check vp-b-to-b-idle vp-netlink vpb vpb
run dmesg-tail sh -c 'dmesg | tail -n 40'

. "$(dirname "$0")/../lab/vp-vdpa.sh"

# --- vp_vdpa parents D and E (lab/boot.sh): only features QEMU 7.2's shadow virtqueues accept,
# plus ACCESS_PLATFORM; D two queue pairs, E four. Until now virtio-pci (and virtio_net) held them.
to_vp_vdpa 0000:00:08.0 0000:00:09.0
run vp2-mgmtdev-show $VDPA61 -j mgmtdev show
run add-vpd $VDPA61 dev add name vpd mgmtdev pci/0000:00:08.0
run add-vpe $VDPA61 dev add name vpe mgmtdev pci/0000:00:09.0
# vpd: the guest's virtio_net negotiates (MQ then fails its probe: vp_vdpa saw 3 vqs, fixtures/VP_VDPA.md).
bind vpd virtio_vdpa
bind vpe vhost_vdpa
sleep 2
for d in vpd vpe; do run "config-$d" $VDPA61 -j dev config show "$d"; done
collect_all vp2

check vp-d-to-e vp2-netlink vpd vpe
check vp-e-to-e-idle vp2-netlink vpe vpe
# vhost_vdpa binds, but without a vIOMMU in the guest opening the char device (what QEMU does) fails.
run open-vpe-vhost sh -c "exec 3<>/dev/$(chardev vpe)"
run dmesg-vp2 sh -c 'dmesg | grep -E "vp.vdpa|vhost-vdpa|virtio_net|virtio_vdpa" | tail -n 20'

# --- provisioning plans between vp_vdpa parents (lab/boot.sh E2E_VP_PAIRS=1): F (0a.0) and G (0b.0)
# offer the SVQ-only set with one queue pair, H (0c.0) with two, like D. Until now virtio-pci held them.
# No vIOMMU: dev add and the bind to vhost_vdpa need none (only opening /dev/vhost-vdpa-N would).
to_vp_vdpa 0000:00:0a.0 0000:00:0b.0 0000:00:0c.0
run vp3-mgmtdev-show $VDPA61 -j mgmtdev show
# vpf: a guest on F with everything F offers, negotiated by the in-guest virtio_net (one queue pair:
# no MQ quirk). G and H stay free for the plans; every parent before them has a device.
run add-vpf $VDPA61 dev add name vpf mgmtdev pci/0000:00:0a.0
bind vpf virtio_vdpa
sleep 2
run config-vpf $VDPA61 -j dev config show vpf
collect_all vp3
# Plans are made for the lab's QEMU with x-svq=on: vp_vdpa moves no ring positions (vq-state), so
# without it no device can take the guest; that answer is kept too (plan-vpf-no-x-svq).
plan_apply vpf-tool615 vp3-netlink vpf "$VDPA615" --x-svq
plan_apply vpf-tool61 vp3-netlink vpf "$VDPA61" --x-svq
plan_apply vpf-no-x-svq vp3-netlink vpf "$VDPA615"
# vp_vdpa takes no mtu at dev add and its management device does not show the MTU a new device gets
# (the virtio-net-pci's host_mtu), so the plan cannot prove mtu-match for a guest that negotiated MTU:
# with --allow-unverified it is made anyway, and the --strict re-check of the real device decides.
plan_apply vpf-allow-unverified-tool615 vp3-netlink vpf "$VDPA615" --x-svq --allow-unverified
plan_apply vpf-allow-unverified-tool61 vp3-netlink vpf "$VDPA61" --x-svq --allow-unverified
# vpd (D, two queue pairs, MQ negotiated): H is D's twin, but vp_vdpa takes no max_vqp, so the pair
# count of a new device is the parent's choice and no plan can be proved.
plan_apply vpd-tool615 vp3-netlink vpd "$VDPA615" --x-svq
plan_apply vpd-tool61 vp3-netlink vpd "$VDPA61" --x-svq
# vpfsub: a guest on F provisioned with less than F offers (no MTU: device_features, iproute2 6.15).
SUB=$(cli collect --from "$R/dumps/vp3-netlink" --format json | node -e 'let t = ""; process.stdin.on("data", (d) => (t += d)).on("end", () => {
  const m = JSON.parse(t).mgmtdevs.find((x) => x.handle === "pci/0000:00:0a.0");
  console.log("0x" + (BigInt(m.supportedFeatures.bits) & ~(1n << 3n)).toString(16)); });')
run del-vpf $VDPA61 dev del vpf
run add-vpfsub $VDPA615 dev add name vpfsub mgmtdev pci/0000:00:0a.0 device_features "$SUB"
bind vpfsub virtio_vdpa
sleep 2
run config-vpfsub $VDPA61 -j dev config show vpfsub
collect_all vp4
plan_apply vpfsub-tool615 vp4-netlink vpfsub "$VDPA615" --x-svq
plan_apply vpfsub-tool61 vp4-netlink vpfsub "$VDPA61" --x-svq
# What vp_vdpa's kernel says to plans a planner must not make, on the free parents G and H. Last in
# the suite, and nothing is deleted after them: a dev add refused inside vp_vdpa leaves the parent's
# device pointer dangling (fixtures/VP_VDPA.md).
run refuse-vp-max-vqp $VDPA615 dev add name bad5 mgmtdev pci/0000:00:0c.0 max_vqp 2
run refuse-vp-mac $VDPA615 dev add name bad6 mgmtdev pci/0000:00:0b.0 mac 52:54:00:00:10:02
run refuse-vp-mtu $VDPA615 dev add name bad7 mgmtdev pci/0000:00:0b.0 mtu 1500
run refuse-vp-features-beyond-parent $VDPA615 dev add name bad8 mgmtdev pci/0000:00:0b.0 device_features 0x300400000
run vp3-dev-show $VDPA61 -j dev show
run dmesg-vp3 sh -c 'dmesg | grep -E "vp.vdpa|vhost-vdpa|virtio_net|virtio_vdpa" | tail -n 20'
echo "E2E: suite done"
