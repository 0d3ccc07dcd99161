#!/bin/bash
# Boots one prepared Debian kernel under QEMU and runs a scenario script in it.
#   boot.sh 6.1|6.12 SCENARIO OUTDIR
# The guest gets five virtio-net-pci functions for vp_vdpa: the parents of
# fixtures/VP_VDPA.md (A multi-queue with MTU 9000 and RSS, B two queues
# without some offloads, C single queue) and D (2 queue pairs) and E (4) that
# offer only what QEMU's shadow virtqueues accept. Their tap backends live in a network
# namespace of their own (unshare -n), so nothing on this machine's network
# changes. TCG by default: nested KVM hangs on these machines (ACCEL=kvm to try).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${VDPA_COMPAT_E2E_CACHE:-/var/cache/vdpa-compat-e2e}
. "$CACHE/kernels.env"
V=$1; SCENARIO=$(realpath "$2"); OUT=$3
case $V in 6.1) KVER=$K61 ;; 6.12) KVER=$K612 ;; *) echo "boot: kernel must be 6.1 or 6.12" >&2; exit 2 ;; esac
ROOT=$CACHE/kernel-$V; MODROOT=$ROOT; [ -d "$ROOT/usr/lib/modules" ] && MODROOT=$ROOT/usr
REPO=$(cd "$HERE/../../.." && pwd)
case $REPO in /run/*|/proc/*|/sys/*|/dev/*) echo "boot: the checkout ($REPO) is under a directory the guest mounts over" >&2; exit 2 ;; esac
mkdir -p "$OUT"; OUT=$(realpath "$OUT")
INITRD=$OUT/initrd.cpio.gz
"$HERE/initramfs.sh" "$V" "$INITRD"
ACCEL=${ACCEL:-tcg}; CPU=max; [ "$ACCEL" = kvm ] && CPU=host
# D and E offer only what QEMU 7.2's shadow virtqueues accept, plus ACCESS_PLATFORM:
# every default-on bit outside that set is switched off (modern only, so no ANY_LAYOUT/GSO).
SVQ_ONLY=disable-legacy=on,iommu_platform=on,mq=on,host_mtu=1500,indirect_desc=off,queue_reset=off,guest_announce=off,ctrl_rx=off,ctrl_vlan=off,ctrl_rx_extra=off,ctrl_guest_offloads=off,rss=off,hash=off
parents=(
  -netdev tap,id=pa,ifname=vpa,queues=4,script=no,downscript=no,vhost=off
  -device virtio-net-pci,netdev=pa,addr=05.0,disable-legacy=on,mq=on,vectors=10,host_mtu=9000,rss=on,hash=on,mac=52:54:00:00:0a:01
  -netdev tap,id=pb,ifname=vpb,queues=2,script=no,downscript=no,vhost=off
  -device virtio-net-pci,netdev=pb,addr=06.0,disable-legacy=on,mq=on,vectors=6,guest_tso4=off,host_tso4=off,mrg_rxbuf=off,mac=52:54:00:00:0b:01
  -netdev hubport,id=pc,hubid=7
  -device virtio-net-pci,netdev=pc,addr=07.0,mq=off,mac=52:54:00:00:0c:01
  -netdev tap,id=pd,ifname=vpd,queues=2,script=no,downscript=no,vhost=off
  -device "virtio-net-pci,netdev=pd,addr=08.0,$SVQ_ONLY,vectors=6,mac=52:54:00:00:0d:01"
  -netdev tap,id=pe,ifname=vpe,queues=4,script=no,downscript=no,vhost=off
  -device "virtio-net-pci,netdev=pe,addr=09.0,$SVQ_ONLY,vectors=10,mac=52:54:00:00:0e:01"
)
# E2E_VIOMMU=1: an emulated Intel IOMMU in front of the guest's PCI devices (it must come before
# them), so that vhost_vdpa can give a vp_vdpa parent an IOMMU domain (without one, opening
# /dev/vhost-vdpa-N of a vp_vdpa device fails: "device is not IOMMU cache coherent capable").
# Parents with iommu_platform=on (D-H) are the ones meant for it (A-C were not tried under it).
MACHINE=q35; IOMMU=(); KAPPEND=""
if [ "${E2E_VIOMMU:-0}" = 1 ]; then
  MACHINE=q35,kernel-irqchip=split
  IOMMU=(-device "intel-iommu,intremap=on,caching-mode=on${E2E_VIOMMU_ATS:+,device-iotlb=on}")
  # Not iommu=pt: it made L2 boots faster (166 s, against 209 s through full translation), but
  # the vp_vdpa datapath under x-svq died with it (TX watchdog, nothing sent). no_timer_check: under load the timer check through the interrupt-remapped IO-APIC fails and
  # panics the kernel ("timer doesn't work through Interrupt-remapped IO-APIC"), seen at boot here.
  KAPPEND=" intel_iommu=on no_timer_check"
fi
# E2E_VP_PAIRS=1: pairs of identical SVQ-only parents for migrations between vp_vdpa devices:
# F (0a.0) and G (0b.0) single queue pair, each on a UDP socket that sends to itself, so every
# frame the device transmits comes back to it (the L2 guest's own-MAC unicast count rises);
# H (0c.0) is D's twin (2 queue pairs, tap). The taps of D and H are made before QEMU starts,
# as ports of a bridge in hairpin mode, which sends a frame back out of the port it came in on.
NETNS_SETUP=":"
if [ "${E2E_VP_PAIRS:-0}" = 1 ]; then
  SVQ_1Q=${SVQ_ONLY/mq=on/mq=off}
  parents+=(
    -netdev dgram,id=pf,local.type=inet,local.host=127.0.0.1,local.port=47010,remote.type=inet,remote.host=127.0.0.1,remote.port=47010
    -device "virtio-net-pci,netdev=pf,id=vpf,addr=0a.0,$SVQ_1Q,mac=52:54:00:00:0f:01"
    -netdev dgram,id=pg,local.type=inet,local.host=127.0.0.1,local.port=47011,remote.type=inet,remote.host=127.0.0.1,remote.port=47011
    -device "virtio-net-pci,netdev=pg,id=vpg,addr=0b.0,$SVQ_1Q,mac=52:54:00:00:10:01"
    -netdev tap,id=ph,ifname=vph,queues=2,script=no,downscript=no,vhost=off
    -device "virtio-net-pci,netdev=ph,id=vph,addr=0c.0,$SVQ_ONLY,vectors=6,mac=52:54:00:00:11:01"
  )
  # E2E_VP_FULL=1 adds I (0d.0): one queue pair on a UDP socket like F, with everything QEMU's
  # virtio-net offers by default, so also bits the shadow virtqueues refuse (GUEST_ANNOUNCE,
  # INDIRECT_DESC, RING_RESET); vp_vdpa's device_features can mask them (the QEMU suite's vp lane).
  if [ "${E2E_VP_FULL:-0}" = 1 ]; then
    parents+=(
      -netdev dgram,id=pi,local.type=inet,local.host=127.0.0.1,local.port=47013,remote.type=inet,remote.host=127.0.0.1,remote.port=47013
      -device "virtio-net-pci,netdev=pi,id=vpi,addr=0d.0,disable-legacy=on,iommu_platform=on,mq=off,host_mtu=1500,mac=52:54:00:00:12:01"
    )
  fi
  NETNS_SETUP="ip link set lo up; ip link add br0 type bridge; ip link set br0 up"
  for t in vpd vph; do
    NETNS_SETUP="$NETNS_SETUP; ip tuntap add dev $t mode tap multi_queue; ip link set $t master br0; ip link set $t up; bridge link set dev $t hairpin on"
  done
fi
# tsc_early_khz: this machine's TSC rate, which the guest's TSC runs at (TCG counts the host's).
# The guest kernel measures it against the PIT at boot, and on a starved vCPU that fails ("Fast
# TSC calibration failed", "Unable to calibrate against PIT"): the kernel then keeps time by
# jiffies, and its lost ticks make every sleep and timeout in the guest run long, for the guest's
# life. Measured 2026-12-04: the L2 kernel on a core shared with six busy loops failed the
# measurement and ran its 2 s ticks at 3.5-5 s; given tsc_early_khz, at 2 s. Nothing is added when
# this machine's own boot messages are gone.
TSC_KHZ=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9]*\)\.\([0-9]\{3\}\) MHz.*/\1\2/p; s/.*tsc: Detected \([0-9]*\)\.\([0-9]\{3\}\) MHz processor.*/\1\2/p' | tail -n1) || TSC_KHZ=""
[ -n "$TSC_KHZ" ] && KAPPEND+=" tsc_early_khz=$TSC_KHZ"
start=$(date +%s.%N)
set +e
# The namespace starts with only a down lo; NETNS_SETUP runs in it before QEMU.
timeout "${E2E_BOOT_TIMEOUT:-480}" unshare -n sh -c "$NETNS_SETUP"' && exec "$@"' netns qemu-system-x86_64 -accel "$ACCEL" -cpu "$CPU" -M "$MACHINE" -m "${E2E_MEM:-2048}" -smp "${E2E_SMP:-1}" \
  -nographic -no-reboot -nic none ${E2E_L0_QMP:+-qmp "unix:$E2E_L0_QMP,server=on,wait=off"} "${IOMMU[@]}" "${parents[@]}" \
  -kernel "$ROOT/boot/vmlinuz-$KVER" -initrd "$INITRD" \
  -append "console=ttyS0 panic=-1 loglevel=4$KAPPEND e2e.scenario=$SCENARIO e2e.kernel=$V e2e.modroot=$MODROOT e2e.trixie=$CACHE/trixie-root e2e.repo=$REPO" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs local,path="$OUT",mount_tag=out,security_model=none \
  > "$OUT/console.log" 2>&1 </dev/null
rc=$?
set -e
end=$(date +%s.%N)
printf 'kernel=%s accel=%s qemu_rc=%s wall=%.1fs\n' "$KVER" "$ACCEL" "$rc" "$(echo "$end - $start" | bc)" > "$OUT/boot.txt"
cat "$OUT/boot.txt"
grep -a '^E2E:' "$OUT/console.log" || true
[ "$rc" -eq 0 ]
