#!/bin/bash
# The QEMU migration suite, run inside the Debian 13 kernel 6.12 lab guest by
# test/e2e/lab/boot.sh (test/e2e-qemu/qemu.test.ts starts it). Adapted from the lab's
# scenarios/qemu-migration.sh (../shared/lab/qemu-migration.md): a tiny L2 guest
# (lab/l2-init) runs under a source QEMU on a vhost-vdpa netdev of a vdpa_sim_net device, a
# destination QEMU waits with -incoming on a target device of the same lab guest, and QMP
# `migrate` moves it. For each case (hop) it records, under $OUT/run/<case>/:
#   host-dump/            `vdpa-compat collect --save-raw` of the host (both devices are on it),
#                         the source QEMU running
#   check.json check.rc   `vdpa-compat check --json` on that pair, as the QEMUs of the case
#   qmp-*.jsonl           QMP replies (lab/qmp.mjs): migrate, the last query-migrate,
#                         query-status of both sides, x-query-virtio-status of both
#   src.stderr dst.stderr serial-*.txt cmdline-*.txt   the QEMUs' logs and command lines
#   case.env              what the test side needs to classify the outcome
# A hop whose destination refuses the stream leaves the source paused: it gets `cont`,
# and ends its chain (the lab saw a resumed source's NIC dead and a second migrate crash it).
# Guest RAM is a shared memfd: vdpa_sim's VA mode maps only shared file-backed memory.
# $OUT/lab.env (written by qemu.test.ts): E2E_CACHE, QEMU_LANE, QEMU_CHAINS (this lane's chains: the
# lanes run side by side, one lab guest each, so nothing here is shared between lanes).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$E2E_REPO"
RUN=$OUT/run; mkdir -p "$RUN"
. "$HERE/../../e2e-libvirt/lab/record.sh"
. "$HERE/../../e2e/lab/vp-vdpa.sh"
. "$OUT/lab.env"
. "$E2E_CACHE/kernels.env"
Q10=$E2E_CACHE/qemu-10.0.2
Q13=$E2E_CACHE/qemu-10.0.13
# The L2 kernel: its uncompressed ELF (lab/prepare.sh), which QEMU boots through the PVH entry
# without decompressing the bzImage under TCG in TCG (an L2 boot took 70-95 s from the bzImage).
L2K=$E2E_CACHE/l2-vmlinux-$K612
[ -f "$L2K" ] || L2K=$E2E_CACHE/kernel-6.12/boot/vmlinuz-$K612
L2I=$E2E_CACHE/l2-initrd-6.12.cpio.gz
W=/run/tmp/q; mkdir -p "$W"
# The TSC rate boot.sh gave the lab guest's kernel (why: boot.sh), passed on to the L2 kernel,
# whose TSC runs at the same rate (TCG in TCG); a migrated guest keeps its clock, so a chain whose
# source measured it wrong stays slow throughout. The "L2 clock" lines and the up= of the ticks
# show what each L2 kernel did. The rate alone does not keep it on the TSC (its watchdog still
# prefers the jiffies); tsc=reliable nolapic_timer did, but L2 boots then took 131-204 s (97-127 s
# without), so they are not set (test/e2e-qemu/README.md).
TSC_KHZ=$(sed -n 's/.*\btsc_early_khz=\([0-9]*\).*/\1/p' /proc/cmdline)
t0=$(date +%s)
log() { echo "[$(( $(date +%s) - t0 ))s] $*"; }
mp() { modprobe -d "$E2E_MODROOT" "$@"; }
vdpa615() { timeout 30 chroot "$E2E_TRIXIE" /usr/sbin/vdpa "$@"; }
vhostdev() { basename "$(ls -d /sys/bus/vdpa/devices/$1/vhost-vdpa-* 2>/dev/null | head -n1)"; }
# qmp SOCKET COMMAND_JSON...: QMP through the scenario's one helper (lab/qmp.mjs --serve, started
# below), which answers at once where a Node start for each call cost a second under TCG; a
# one-shot lab/qmp.mjs when the helper is gone. Prints a JSON line per reply, returns its code.
QMP_N=0 QMPD=""
qmp() {
  if [ -z "$QMPD" ] || ! alive "$QMPD"; then timeout 40 node "$HERE/../lab/qmp.mjs" "$@"; return; fi
  local id=$((QMP_N += 1)) line IFS=$'\t' tab=$'\t'
  printf '%s\t%s\n' "$id" "$*" >&9
  # The helper gives up on QEMU after 20 s (QMP_TIMEOUT_MS), so 45 s without a line means it is stuck.
  while IFS= read -r -t 45 -u 8 line; do
    case $line in
      "$id${tab}out "*) printf '%s\n' "${line#*${tab}out }" ;;
      "$id${tab}err "*) printf '%s\n' "${line#*${tab}err }" >&2 ;;
      "$id${tab}end "*) return "${line#*${tab}end }" ;;
    esac
  done
  echo "qmp: no reply from the QMP helper in 45 s" >&2
  return 1
}
cli() { timeout 180 node "$E2E_REPO/dist/bin/vdpa-compat.cjs" "$@"; }
ticks() { grep -c 'L2 tick' "$1" 2>/dev/null; }
# waitticks FILE N SECONDS (N more ticks): looked at each second, for at most SECONDS of wall time.
waitticks() { local f=$1 n=$2 end=$(( $(date +%s) + $3 )) b; b=$(ticks "$f"); while [ "$(date +%s)" -lt $end ]; do [ $(( $(ticks "$f") - b )) -ge "$n" ] && return 0; sleep 1; done; return 1; }
alive() { kill -0 "$1" 2>/dev/null; }
# stop PID: SIGTERM, then SIGKILL if it is still there after 2 s. A QEMU runs under `timeout`,
# which is PID: it passes SIGTERM on, but SIGKILL ends only itself, and a QEMU slow to exit under
# TCG would run on as an orphan, its guest taking the lab's one vCPU from the cases after it. So
# the SIGKILL goes to timeout's process group (it makes one of its own, with its command in it).
stop() {
  local i=0; alive "$1" || return 0; kill "$1"
  while [ $i -lt 10 ] && alive "$1"; do sleep 0.2; i=$((i + 1)); done
  alive "$1" && { kill -9 -- "-$1" 2>/dev/null || kill -9 "$1"; }
  wait "$1" 2>/dev/null
}
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do stop "$p"; done; }
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
# The QMP helper: it and the scenario hold both FIFOs open read-write, so no open blocks.
mkfifo "$W/qmp.req" "$W/qmp.rep" && exec 9<> "$W/qmp.req" 8<> "$W/qmp.rep" && {
  node "$HERE/../lab/qmp.mjs" --serve "$W/qmp.req" "$W/qmp.rep" 2> "$RUN/qmp-helper.stderr" &
  QMPD=$!; PIDS+=("$QMPD")
}

VP=/machine/peripheral/net0/virtio-backend
vstatus() { # vstatus SOCK: the device's virtio status and its three queues
  qmp "$1" '{"execute":"x-query-virtio-status","arguments":{"path":"'$VP'"}}' \
    '{"execute":"x-query-virtio-queue-status","arguments":{"path":"'$VP'","queue":0}}' \
    '{"execute":"x-query-virtio-queue-status","arguments":{"path":"'$VP'","queue":1}}' \
    '{"execute":"x-query-virtio-queue-status","arguments":{"path":"'$VP'","queue":2}}'
}
# qcmd VER: sets QCMD to the command that runs QEMU VER: 7.2 is this machine's, 10.0.2 runs on
# its libraries, 10.0.13 (Debian 13's) with Debian 13's loader and libraries (lab/prepare.sh
# unpacked what the Debian 13 root lacks into $Q13) and its own module directory, never the
# host's 7.2 modules. An array, so that `timeout` can run it.
qcmd() {
  case $1 in
    7.2) QCMD=(qemu-system-x86_64) ;;
    10.0.2) QCMD=("$Q10/usr/bin/qemu-system-x86_64" -L "$Q10/usr/share/qemu") ;;
    10.0.13) QCMD=(env "QEMU_MODULE_DIR=$Q13/usr/lib/x86_64-linux-gnu/qemu" "$E2E_TRIXIE/lib64/ld-linux-x86-64.so.2"
      --library-path "$Q13/usr/lib/x86_64-linux-gnu:$E2E_TRIXIE/usr/lib/x86_64-linux-gnu"
      "$Q13/usr/bin/qemu-system-x86_64" -L "$Q13/usr/share/qemu") ;;
    *) echo "qemu: no QEMU $1" >&2; return 2 ;;
  esac
}
declare -A QVERSION
qversion() { # what QEMU VER's --version prints first, asked once
  [ -n "${QVERSION[$1]:-}" ] || { qcmd "$1" && QVERSION[$1]=$(timeout 60 "${QCMD[@]}" --version | head -n1); }
  echo "${QVERSION[$1]}"
}

ip link set lo up
# Where vhost_vdpa maps guest RAM by physical address (PA mode: vdpa_sim on 6.1, which has no VA
# mode, and vp_vdpa on every kernel), it pins the pages against RLIMIT_MEMLOCK (8 MiB by default)
# and keeps one IOTLB entry per physically contiguous run: 128 MiB of 4 KiB memfd pages make
# thousands, above vhost_vdpa's (and vdpa_sim's) max_iotlb_entries of 2048. Either refusal (ENOMEM,
# ENOSPC; vhost's write handler turns both into EFAULT: "vhost vdpa map fail!") leaves the device
# with no memory to move frames in. ENOSPC was seen on 6.1 with a kprobe on vhost_iotlb_add_range_ctx
# (with the limit already raised); the RLIMIT_MEMLOCK check is read in vhost_vdpa_pa_map (6.1.192).
ulimit -l unlimited
IOTLB=65536
mp vdpa_sim max_iotlb_entries=$IOTLB && mp vdpa_sim_net && mp vhost_vdpa max_iotlb_entries=$IOTLB || { echo "qemu: modprobe failed"; exit 1; }
for m in vdpa_sim vhost_vdpa; do
  [ "$(cat /sys/module/$m/parameters/max_iotlb_entries)" = $IOTLB ] || { echo "qemu: $m was loaded before, without max_iotlb_entries=$IOTLB"; exit 1; }
done
rec versions sh -c "uname -r; echo \"10.0.2: $(qversion 10.0.2)\"; echo \"10.0.13: $(qversion 10.0.13)\"; echo \"7.2: $(qversion 7.2)\"; node --version; /usr/sbin/vdpa -V; chroot '$E2E_TRIXIE' /usr/sbin/vdpa -V"

# What a chain's QEMUs share, set by chain(): HOST_MTU (the virtio-net-pci host_mtu, or empty for
# none) and SVQ (on: the vhost-vdpa netdev's x-svq=on, or empty).
HOST_MTU=1500 SVQ="" DST_TICKS_WAIT=300 L2_MQ=""
# qstart NAME VER DEV [PORT]: starts QEMU VER (see qemu) on the vhost-vdpa char device of
# vdpa device DEV (with -incoming on PORT when given); sets QPID QSOCK QSER.
qstart() {
  local name=$1 ver=$2 dev=$3 port=${4:-} vd
  vd=$(vhostdev "$dev")
  local DEVP="disable-legacy=on,romfile=,mac=52:54:00:00:00:01${HOST_MTU:+,host_mtu=$HOST_MTU}${L2_MQ:+,mq=on,vectors=$((2 * L2_MQ + 2))}"
  # acpi=off: with ACPI the L2 boot took 250-340 s here (one lab vCPU, two lanes), 116-118 s
  # without; the kernel finds the PCI bus and the APIC from the BIOS's tables all the same, and
  # virtio-net-pci works as before (its frames pass). no_timer_check: the kernel tests the IO-APIC
  # timer by waiting a few ticks in a busy loop, and a TCG-in-TCG guest on a loaded vCPU got its
  # ticks too late: "IO-APIC + timer doesn't work!", a panic 0.02 s into the boot, with and without
  # ACPI, on both tries of two chains of one run. mitigations=off cryptomgr.notests: work the L2
  # kernel does at boot that tests nothing here (the crypto self-tests, the speculation
  # workarounds): under TCG on this machine's host it cut the boot to "L2 READY" from 8 s to 6 s.
  local a=(-accel tcg -M q35,memory-backend=mem0 -object memory-backend-memfd,id=mem0,size=128M,share=on -m 128 -smp 1
    -nodefaults -display none -no-user-config -kernel "$L2K" -initrd "$L2I" -append "console=ttyS0 loglevel=4 acpi=off no_timer_check mitigations=off cryptomgr.notests${TSC_KHZ:+ tsc_early_khz=$TSC_KHZ}"
    -serial "file:$W/$name.serial" -qmp "unix:$W/$name.qmp,server=on,wait=off"
    -netdev "type=vhost-vdpa,vhostdev=/dev/$vd,id=n0${SVQ:+,x-svq=$SVQ}" -device "virtio-net-pci,netdev=n0,id=net0,$DEVP")
  [ -n "$port" ] && a+=(-incoming "tcp:127.0.0.1:$port")
  [ -n "${QPAUSED:-}" ] && a+=(-S)
  qcmd "$ver"
  echo "${QCMD[*]} ${a[*]}" > "$RUN/cmdline-$name.txt"
  timeout 3000 "${QCMD[@]}" "${a[@]}" > "$RUN/$name.stderr" 2>&1 < /dev/null &
  QPID=$!; QSOCK=$W/$name.qmp; QSER=$W/$name.serial; PIDS+=("$QPID")
  # Until its QMP socket is there, or it exited (a netdev it cannot start ends QEMU at once).
  local i=0; while [ $i -lt 30 ] && [ ! -S "$QSOCK" ] && alive "$QPID"; do sleep 1; i=$((i + 1)); done
}

# devadd RECNAME NAME "ATTRS": `vdpa dev add` on vdpasim_net, or on the vp_vdpa parent whose
# pci/ handle starts ATTRS. A vp_vdpa device is then reset (opening its vhost-vdpa char device
# resets it): the parent's earlier driver may have left its status at FEATURES_OK, which
# `dev config show` reports as negotiated features and check as a device in use. Its name goes
# into VPDEVS, which end_chain deletes (never after a refused dev add: vp_vdpa then oopses on
# dev del, ../shared/fixtures/VP_VDPA.md).
VPDEVS=()
devadd() {
  local rn=$1 name=$2 m=vdpasim_net rc
  # shellcheck disable=SC2086
  set -- $3
  case ${1:-} in pci/* | vdpasim_blk) m=$1; shift ;; esac
  # The block simulator only for the hop that asks for it, so that no other case's host shows it.
  if [ $m = vdpasim_blk ]; then mp vdpa_sim_blk || { echo "qemu: modprobe vdpa_sim_blk failed" >&2; return 1; }; fi
  rec "$rn" vdpa615 dev add name "$name" mgmtdev "$m" "$@"; rc=$?
  # TBIND=virtio_vdpa (set for one hop): the host kernel takes the device instead of vhost_vdpa, as
  # on a target nobody bound for QEMU; virtio_vdpa is loaded only for it, so that no other device
  # of the run binds to it.
  if [ $rc = 0 ] && [ "${TBIND:-}" = virtio_vdpa ]; then
    mp virtio_vdpa && mp virtio_net || { echo "qemu: modprobe virtio_vdpa failed" >&2; return 1; }
    echo "$name" > /sys/bus/vdpa/drivers/vhost_vdpa/unbind
    rec "$rn-bind" sh -c "echo $name > /sys/bus/vdpa/drivers/virtio_vdpa/bind && readlink /sys/bus/vdpa/devices/$name/driver"
  fi
  # THOLD=qemu (set for one hop): a QEMU that holds the device open from its start, paused (-S)
  # before its guest runs, so it has negotiated nothing: the device looks idle to `vdpa dev config
  # show`, and only who holds /dev/vhost-vdpa-N open tells (vhost_vdpa_open: one open at a time).
  if [ $rc = 0 ] && [ "${THOLD:-}" = qemu ]; then
    QPAUSED=yes qstart "$name-holder" 10.0.2 "$name"; HOLDER_PID=$QPID
    alive "$HOLDER_PID" || { echo "qemu: the holder QEMU of $name exited" >&2; return 1; }
  fi
  case $m in pci/*) ;; *) return $rc ;; esac
  [ $rc = 0 ] || { echo "qemu: dev add on $m refused: no more devices on it" >&2; return $rc; }
  VPDEVS+=("$name")
  rec "$rn-config-before-reset" vdpa615 -jp dev config show "$name"
  local vd; vd=$(vhostdev "$name")
  [ -n "$vd" ] && { exec 7<> "/dev/$vd"; exec 7>&-; }
  rec "$rn-config" vdpa615 -jp dev config show "$name"
  return 0
}
# vpdel NAME: deletes a vp_vdpa device devadd made (its QEMUs have exited).
vpdel() {
  local d keep=()
  rec "del-$1" vdpa615 dev del "$1"
  for d in "${VPDEVS[@]}"; do [ "$d" = "$1" ] || keep+=("$d"); done
  VPDEVS=("${keep[@]}")
}

# The current source of a chain: S_NAME S_VER S_DEV S_PID S_SOCK S_SER
# READY=no: the first hop starts once QMP answers, without waiting for the L2 guest to boot. For
# chains whose hop QEMU refuses at `migrate`: it registers its migration blockers when the netdev
# starts, before the guest runs. Were there none, the hop would still migrate a real (booting) guest.
READY=yes
# waitboot: until the source's L2 guest says "L2 READY" (0), its kernel panicked (2), its QEMU
# exited (3) or SECONDS passed (1).
waitboot() {
  local end=$(( $(date +%s) + $1 ))
  while [ "$(date +%s)" -lt $end ]; do
    grep -q "L2 READY" "$S_SER" 2>/dev/null && return 0
    grep -q "Kernel panic" "$S_SER" 2>/dev/null && return 2
    alive "$S_PID" || return 3
    sleep 1
  done
  return 1
}
# start_chain NAME VER DEV "vdpa attrs": the chain's first source, its L2 guest booted. A guest that
# did not boot (no "L2 READY" in QEMU_READY_WAIT s, a kernel panic, its QEMU gone) is booted once
# more, on a fresh QEMU (stopping the first resets the device): in CI the 7.2 x-svq guest once
# never came up, and its chain migrated a guest that had not yet touched its NIC. A guest that
# fails twice leaves S_NOTREADY set, and the chain's hops record why instead of migrating.
S_NOTREADY=""
start_chain() {
  # What runs in the lab guest before the chain's QEMU starts: nothing of an earlier chain's should.
  rec "ps-$1" ps -eo pid,ppid,pgid,stat,etime,time,args
  devadd "add-$3" "$3" "$4"
  local t=$(date +%s) rc try
  S_NOTREADY=""
  for try in 1 2; do
    qstart "$1" "$2" "$3"; S_NAME=$1 S_VER=$2 S_DEV=$3 S_PID=$QPID S_SOCK=$QSOCK S_SER=$QSER
    if [ $READY = no ]; then log "$1: not waiting for the L2 guest"; return 0; fi
    # 900 s: an L2 boot takes 120-360 s here beside the other lane's guest.
    waitboot "${QEMU_READY_WAIT:-900}"; rc=$?
    echo "$1$([ $try = 2 ] && echo -again) $(( $(date +%s) - t ))" >> "$RUN/l2-boot-seconds.txt"
    log "$1: L2 boot $try: rc=$rc after $(( $(date +%s) - t ))s (0 READY, 1 timeout, 2 panic, 3 QEMU exited)"
    [ $rc = 0 ] && break
    cp "$S_SER" "$RUN/$1-boot$try.serial" 2>/dev/null; cp "$RUN/$1.stderr" "$RUN/$1-boot$try.stderr" 2>/dev/null
    stop "$S_PID"; rm -f "$S_SER" "$S_SOCK"; t=$(date +%s)
  done
  if [ $rc != 0 ]; then
    S_NOTREADY="the source's L2 guest did not boot, twice (the last: $(case $rc in 1) echo "no L2 READY in ${QEMU_READY_WAIT:-900} s" ;; 2) echo "kernel panic" ;; *) echo "its QEMU exited" ;; esac); $RUN/$1-boot2.serial)"
    return 0
  fi
  waitticks "$S_SER" 2 120
}

PORT=4440
hop() { # hop CASE TGTDEV "tgt vdpa attrs" TGTVER
  local cs=$1 tdev=$2 tattrs=$3 tver=$4 C=$RUN/$1 t=$(date +%s) st="" i sname=$S_NAME
  mkdir -p "$C"; PORT=$((PORT + 1))
  if [ -n "$S_NOTREADY" ]; then
    log "case $cs: not run: $S_NOTREADY"
    { echo "CASE=$cs"; echo "LAB_ERROR=$S_NOTREADY"; echo "NEXT=stop"; echo "WALL=0"; } > "$C/case.env"
    return 1
  fi
  log "case $cs: $S_NAME (QEMU $S_VER, $S_DEV) -> $tdev ($tattrs, QEMU $tver)"
  devadd "$cs-add-target" "$tdev" "$tattrs"
  rec "$cs-config" vdpa615 -jp dev config show
  vdpa615 -jp dev config show "$tdev" > "$C/dst-config-before.json" 2>&1
  # What vdpa-compat sees, the source QEMU running: one collection, since both devices are on this
  # host (under TCG a collect takes seconds), and check reads it as source and as target host.
  rec "$cs-collect" cli collect --save-raw "$C/host-dump" --force -o "$C/host-profile.json"
  # check as the VM is configured: both QEMUs' --version, host_mtu and x-svq as the chain sets them.
  local args=(--source-device "$S_DEV" --target-device "$tdev" --source-qemu "$(qversion "$S_VER")" --target-qemu "$(qversion "$tver")")
  [ -n "$HOST_MTU" ] && args+=(--host-mtu "$HOST_MTU")
  [ "$SVQ" = on ] && args+=(--x-svq)
  printf '%s\n' "${args[@]}" > "$C/check-args.txt"
  rec "$cs-check" cli check "$C/host-dump" "$C/host-dump" "${args[@]}" --json
  log "case $cs: collected and checked"
  cp "$RUN/cmd/$(printf '%03d' "$REC_N")-$cs-check.stdout" "$C/check.json"
  cp "$RUN/cmd/$(printf '%03d' "$REC_N")-$cs-check.rc" "$C/check.rc"
  vstatus "$S_SOCK" > "$C/qmp-src-virtio-before.jsonl"
  cp "$S_SER" "$C/serial-src-before.txt"
  # The real migration.
  qstart "$cs-dst" "$tver" "$tdev" "$PORT"; local D_PID=$QPID D_SOCK=$QSOCK D_SER=$QSER dstarted=no
  cp "$RUN/cmdline-$S_NAME.txt" "$C/cmdline-src.txt"; cp "$RUN/cmdline-$cs-dst.txt" "$C/cmdline-dst.txt"
  # QMP answers once QEMU is in its main loop, its devices realized: no sleep needed before. Its
  # socket exists earlier, so a QEMU whose netdev cannot start leaves one behind: it started if it
  # answered, or is still there (a slow answer is no reason to skip the migration).
  qmp "$D_SOCK" '{"execute":"query-status"}' > "$C/qmp-dst-status-before.jsonl" 2>&1
  { grep -q '"return"' "$C/qmp-dst-status-before.jsonl" || alive "$D_PID"; } && dstarted=yes
  # QEMU writes its mac= into a device without CTRL_MAC_ADDR when it starts (the lab's d-mac-differs).
  vdpa615 -jp dev config show "$tdev" > "$C/dst-config-after-dst-start.json" 2>&1
  local tm=$(date +%s)
  # A destination that exited at its start gets no migrate: there is nothing to migrate to.
  [ $dstarted = yes ] && qmp "$S_SOCK" '{"execute":"migrate","arguments":{"uri":"tcp:127.0.0.1:'$PORT'"}}' > "$C/qmp-migrate.jsonl"
  i=0
  while [ $dstarted = yes ] && [ $i -lt 600 ]; do
    grep -q '"error"' "$C/qmp-migrate.jsonl" && break
    qmp "$S_SOCK" '{"execute":"query-migrate"}' > "$C/qmp-query-migrate.jsonl"
    st=$(sed -n 's/.*"status":"\([a-z-]*\)".*/\1/p' "$C/qmp-query-migrate.jsonl" | head -n1)
    case $st in completed | failed | cancelled) break ;; esac
    alive "$S_PID" || { echo "source QEMU exited" > "$C/src-exited.txt"; break; }
    sleep 1; i=$((i + 1))
  done
  echo "$(( $(date +%s) - tm ))" > "$C/migrate-seconds.txt"
  log "case $cs: migration ${st:-not started} after $(( $(date +%s) - tm ))s (the destination started at $(( tm - t ))s)"
  # The source is done; the destination loads what it got and then runs, or exits when the load
  # fails: until it left "inmigrate" or exited, up to 6 s (the 3 s it was given before sufficed).
  # A refused migrate leaves it waiting, so nothing to wait for then.
  i=0
  while [ $dstarted = yes ] && ! grep -q '"error"' "$C/qmp-migrate.jsonl" && [ $i -lt 6 ] && alive "$D_PID"; do
    qmp "$D_SOCK" '{"execute":"query-status"}' 2>/dev/null | grep -q '"status":"inmigrate"' || break
    sleep 1; i=$((i + 1))
  done
  local dalive=no salive=no; alive "$D_PID" && dalive=yes; alive "$S_PID" && salive=yes
  [ $dstarted = yes ] && qmp "$D_SOCK" '{"execute":"query-status"}' > "$C/qmp-dst-status.jsonl"
  qmp "$S_SOCK" '{"execute":"query-status"}' > "$C/qmp-src-status.jsonl"
  local dstate; dstate=$(sed -n 's/.*"status":"\([a-z-]*\)".*/\1/p' "$C/qmp-dst-status.jsonl" 2>/dev/null | head -n1)
  local next=stop
  if [ $dalive = yes ] && [ "$dstate" = running ]; then
    # Datapath on the destination: four ticks of the L2 guest after the switch (a few seconds when
    # it runs; a guest stalled in its TX watchdog gets DST_TICKS_WAIT s, 300 unless its chain says: on a slower
    # machine 90 s gave one or two ticks).
    waitticks "$D_SER" 4 "$DST_TICKS_WAIT"
    log "case $cs: four ticks on the destination"
    vstatus "$D_SOCK" > "$C/qmp-dst-virtio.jsonl"
    cp "$D_SER" "$C/serial-dst.txt"; cp "$S_SER" "$C/serial-src.txt"
    rec "$cs-vstats" sh -c "for d in $S_DEV $tdev; do for q in 0 1; do echo \"== \$d qidx \$q\"; chroot '$E2E_TRIXIE' /usr/sbin/vdpa -jp dev vstats show \$d qidx \$q; done; done"
    stop "$S_PID"
    S_NAME=$cs-dst S_VER=$tver S_DEV=$tdev S_PID=$D_PID S_SOCK=$D_SOCK S_SER=$D_SER; next=continue
  else
    [ $dstarted = yes ] && vstatus "$D_SOCK" > "$C/qmp-dst-virtio.jsonl" 2>&1
    cp "$D_SER" "$C/serial-dst.txt" 2>/dev/null
    stop "$D_PID"
    if grep -q postmigrate "$C/qmp-src-status.jsonl"; then qmp "$S_SOCK" '{"execute":"cont"}' > "$C/qmp-src-cont.jsonl"; fi
    # A chain that did not wait for its guest (READY=no) has nothing to show: its L2 kernel may
    # still be booting, and waiting for its ticks took up to 120 s for no test.
    [ $salive = yes ] && [ $READY = yes ] && waitticks "$S_SER" 3 120
    qmp "$S_SOCK" '{"execute":"query-status"}' > "$C/qmp-src-status-after.jsonl"
    vstatus "$S_SOCK" > "$C/qmp-src-virtio-after.jsonl"
    cp "$S_SER" "$C/serial-src.txt"
    # The destination exited at its start: the source never paused and runs on, so its chain goes
    # on from it; the refused target's vp_vdpa parent is freed for the next hop.
    if [ $dstarted = no ] && [ $salive = yes ] && grep -q '"status":"running"' "$C/qmp-src-status-after.jsonl"; then
      next=continue
      case " ${VPDEVS[*]} " in *" $tdev "*) vpdel "$tdev" ;; esac
    fi
  fi
  cp "$RUN/$cs-dst.stderr" "$C/dst.stderr"; cp "$RUN/$sname.stderr" "$C/src.stderr"
  { echo "CASE=$cs"; echo "SRC_QEMU=$(qversion "$S_VER")"; echo "DST_QEMU=$(qversion "$tver")"; echo "MIGRATION_STATUS=$st"; echo "DST_STARTED=$dstarted"
    echo "DST_ALIVE=$dalive"; echo "SRC_ALIVE=$salive"; echo "DST_STATE=$dstate"; echo "NEXT=$next"; echo "WALL=$(( $(date +%s) - t ))"; } > "$C/case.env"
  log "case $cs: migration ${st:-?}, dst alive=$dalive state=${dstate:-?}, $(( $(date +%s) - t ))s"
  [ $next = continue ]
}
# end_chain: stops the chain's QEMU, then deletes its vp_vdpa devices (every parent holds one).
end_chain() { local d; stop "$S_PID"; for d in "${VPDEVS[@]}"; do vpdel "$d"; done; }

MA="mac 52:54:00:00:00:01"
# The vp_vdpa parents of a lane booted with E2E_VIOMMU=1 E2E_VP_PAIRS=1 E2E_VP_FULL=1
# (test/e2e/lab/boot.sh): D 08.0 and H 0c.0 two queue pairs, F 0a.0 and G 0b.0 one, all offering
# only what the shadow virtqueues accept (+ ACCESS_PLATFORM, iommu_platform=on); I 0d.0 one pair
# with QEMU's default features. F, G and I send each frame back to themselves (UDP), D and H
# through a hairpin bridge. vp_setup hands them to vp_vdpa once, and grows D and H.
VPD=pci/0000:00:08.0 VPF=pci/0000:00:0a.0 VPG=pci/0000:00:0b.0 VPH=pci/0000:00:0c.0 VPI=pci/0000:00:0d.0
VP_READY=no
vp_setup() {
  [ $VP_READY = yes ] && return 0
  [ -e /sys/bus/pci/devices/0000:00:0d.0 ] || { echo "qemu: no vp_vdpa parents (boot.sh E2E_VP_PAIRS=1 E2E_VP_FULL=1)"; exit 1; }
  mp vp_vdpa || { echo "qemu: modprobe vp_vdpa failed"; exit 1; }
  to_vp_vdpa 0000:00:08.0 0000:00:0a.0 0000:00:0b.0 0000:00:0c.0 0000:00:0d.0
  rec vp-mgmtdev-show vdpa615 -jp mgmtdev show
  # QEMU's virtio-net exposes 2N+1 queues only after a driver acked MQ, and vp_vdpa counts them at
  # each dev add (the MQ quirk, ../shared/fixtures/VP_VDPA.md): a virtio_vdpa bind whose virtio_net
  # probe fails makes QEMU grow D and H, and their next devices get all five queues.
  mp virtio_vdpa && mp virtio_net || { echo "qemu: modprobe virtio_vdpa failed"; exit 1; }
  local p
  for p in $VPD $VPH; do
    rec "grow-add-${p#pci/}" vdpa615 dev add name vpgrow mgmtdev "$p"
    echo vpgrow > /sys/bus/vdpa/drivers/vhost_vdpa/unbind 2>/dev/null
    echo vpgrow > /sys/bus/vdpa/drivers/virtio_vdpa/bind
    sleep 2
    rec "grow-del-${p#pci/}" vdpa615 dev del vpgrow
  done
  # Only vhost_vdpa takes new devices from here on.
  mp -r virtio_vdpa
  # I's offered features; its SVQ-proof set leaves out what the shadow virtqueues refuse
  # (../shared/reference/qemu-versions.md 1.2: GUEST_ANNOUNCE 21, INDIRECT_DESC 28, RING_RESET 40),
  # and a set without ACCESS_PLATFORM (33), which they require.
  rec vp-collect cli collect -o "$W/vp-host.json" --force
  VPI_ALL=$(node -e 'const p=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(p.mgmtdevs.find((m)=>m.handle===process.argv[2]).supportedFeatures.bits)' "$W/vp-host.json" "$VPI")
  VPI_SVQ=$(printf '0x%x' $(( VPI_ALL & ~((1 << 21) | (1 << 28) | (1 << 40)) )))
  VPI_NOAP=$(printf '0x%x' $(( VPI_SVQ & ~(1 << 33) )))
  log "vp: I offers $VPI_ALL, SVQ-proof $VPI_SVQ, without ACCESS_PLATFORM $VPI_NOAP"
  VP_READY=yes
}
chain() {
  case $1 in
    # QEMU 10.0.2 both sides, one L2 guest along the lab's compatible hops (a-identical, a target
    # with a smaller MTU than the guest's 1500, c-mtu-9000, g-no-mac-bit, g-mac-bit-back; e-no-mtu, here from mtu 9000), on from the device
    # without F_MTU to mtu 9000, then to a target without CTRL_MAC_ADDR, which refuses the stream
    # and ends the chain.
    q10) PORT=4440; start_chain q10-src 10.0.2 vdpa0 "$MA"
         hop identical vdpa1 "$MA" 10.0.2 &&
           hop mtu-smaller vdpa8 "$MA mtu 1400" 10.0.2 &&
           hop mtu-9000 vdpa2 "$MA mtu 9000" 10.0.2 &&
           hop no-mac-bit vdpa3 "mtu 9000 device_features 0x308830008" 10.0.2 &&
           hop mac-bit-back vdpa4 "$MA mtu 9000" 10.0.2 &&
           hop no-mtu vdpa5 "$MA device_features 0x308830020" 10.0.2 &&
           hop no-mtu-to-mtu-9000 vdpa6 "$MA mtu 9000" 10.0.2 &&
           hop no-ctrl-mac-addr vdpa7 "$MA device_features 0x308030028" 10.0.2
         end_chain ;;
    # QEMU 7.2 (this machine's, no x-svq) both sides, default -> default.
    # The source refuses at `migrate` on a blocker its netdev registered when it started
    # (vhost_dev_init), so the guest need not be up (READY=no).
    q72) PORT=4450; READY=no; start_chain q72-src 7.2 vdpa10 "$MA"
         hop qemu72-identical vdpa11 "$MA" 7.2
         end_chain; READY=yes ;;
    # QEMU 7.2 with x-svq=on on both sides: the shadow virtqueues give the dirty log 7.2 needs.
    # No test reads its destination's ticks (its datapath is dead from the start), and in half the
    # runs the destination's L2 kernel panics in its TX timeout handler and its console stays
    # silent: 30 s of ticks are enough to record what it does.
    q72svq) PORT=4455; SVQ=on DST_TICKS_WAIT=30; start_chain q72svq-src 7.2 vdpa12 "$MA"
            hop qemu72-svq-identical vdpa13 "$MA" 7.2
            end_chain; SVQ="" DST_TICKS_WAIT=300 ;;
    # A guest started on a device without CTRL_MAC_ADDR: to a target without it either and with
    # another MAC (the lab's d-mac-differs); then 10.0.2 -> 10.0.13 (Debian 13's, which asks for
    # 1024-entry rings; vdpa_sim allows 256), then that migrated-in 10.0.13 -> 10.0.2. The ring
    # hops do not depend on CTRL_MAC_ADDR, and sharing the guest saves an L2 boot.
    q13) PORT=4470; start_chain q13-src 10.0.2 vdpa30 "$MA device_features 0x308030028"
         hop mac-differs vdpa21 "mac 52:54:00:00:00:02 device_features 0x308030028" 10.0.2 &&
           hop to-qemu-10.0.13 vdpa31 "$MA" 10.0.13 &&
           hop from-migrated-qemu-10.0.13 vdpa32 "$MA" 10.0.2
         end_chain ;;
    # A guest started on 10.0.13, to 10.0.13.
    q13s) PORT=4480; start_chain q13s-src 10.0.13 vdpa40 "$MA"
          hop qemu-10.0.13-source vdpa41 "$MA" 10.0.13
          end_chain ;;
    # No host_mtu: QEMU then offers the guest no F_MTU at all (virtio-net sets it in its host
    # features only from host_mtu, and vhost keeps only bits QEMU offers), so the guest runs at
    # 1500 whatever the device says: a target with a smaller MTU, a larger one, one without F_MTU;
    # then a different MAC on a device with CTRL_MAC_ADDR (the default features); then three targets
    # QEMU cannot start on, so the source runs on: one another QEMU holds open (paused before it
    # negotiated anything), one the host kernel took (virtio_vdpa), and a block device.
    nohm) PORT=4490; HOST_MTU=""; start_chain nohm-src 10.0.2 vdpa50 "$MA mtu 9000"
          hop mtu-smaller-no-host-mtu vdpa51 "$MA mtu 1500" 10.0.2 &&
            hop mtu-larger-no-host-mtu vdpa53 "$MA mtu 9000" 10.0.2 &&
            hop no-mtu-no-host-mtu vdpa52 "$MA device_features 0x308830020" 10.0.2 &&
            hop mac-differs-ctrl-mac-addr vdpa54 "mac 52:54:00:00:00:02" 10.0.2 &&
            THOLD=qemu hop target-held-open vdpa57 "$MA" 10.0.2 && { stop "$HOLDER_PID"; true; } &&
            TBIND=virtio_vdpa hop target-bound-to-virtio-vdpa vdpa55 "$MA" 10.0.2 &&
            mp -r virtio_vdpa && hop target-block-device vdpa56 "vdpasim_blk" 10.0.2
          end_chain; HOST_MTU=1500 ;;
    # Kernel 6.1 as the lab guest (lane k61), where the kernel matters: its vhost_vdpa takes a ring
    # above the device's maximum (no check in VHOST_SET_VRING_NUM before 6.12.111), so the 1024-entry
    # rings of a guest started on 10.0.13 reach vdpa_sim (max 256): to 10.0.13, then that guest, on
    # those rings, to 10.0.2 (which takes the ring sizes from the stream).
    k61q13s) PORT=4540; start_chain k61q13s-src 10.0.13 vdpa60 "$MA"
             hop k61-qemu-10.0.13-source vdpa61 "$MA" 10.0.13 &&
               hop k61-1024-rings-to-qemu-10.0.2 vdpa62 "$MA" 10.0.2
             end_chain ;;
    # vp_vdpa, QEMU 10.0.2 with x-svq=on, one queue pair, from F: to I as it is (bits SVQ refuses:
    # the destination cannot start its netdev, the source runs on), to I without ACCESS_PLATFORM
    # (which SVQ requires: likewise), then to I with those bits masked by device_features.
    vpsvq) vp_setup; PORT=4500; SVQ=on; start_chain vpsvq-src 10.0.2 vpf0 "$VPF"
           hop vp-svq-refused-bits vpi1 "$VPI" 10.0.2 &&
             hop vp-svq-no-access-platform vpi2 "$VPI device_features $VPI_NOAP" 10.0.2 &&
             hop vp-svq-masked vpi3 "$VPI device_features $VPI_SVQ" 10.0.2
           end_chain; SVQ="" ;;
    # vp_vdpa without x-svq on I as it is: QEMU 10.x blocks the migration ("vdpa svq does not
    # work with features"), whatever the target; the guest need not be up for that.
    # vdpa_sim -> the vp_vdpa parent G, no x-svq: nothing blocks it, but vp_vdpa cannot set a
    # ring's state (it has no SUSPEND; qemu-versions.md 1.1), so the destination's vhost cannot
    # take the guest's rings over.
    vpnosvq) vp_setup; PORT=4510; start_chain vpnosvq-src 10.0.2 vdpa70 "$MA"
             hop sim-to-vp-no-svq vpg5 "$VPG" 10.0.2
             end_chain ;;
    vpblk) vp_setup; PORT=4520; READY=no; start_chain vpblk-src 10.0.2 vpi6 "$VPI"
           hop vp-refused-bits-no-svq vpg7 "$VPG" 10.0.2
           end_chain; READY=yes ;;
    # Two queue pairs, x-svq=on, D -> H (both grown by vp_setup): a multi-queue guest; then to F,
    # one queue pair without MQ.
    vpmq) vp_setup; PORT=4530; SVQ=on L2_MQ=2; start_chain vpmq-src 10.0.2 vpd8 "$VPD"
          hop vp-mq-svq vph9 "$VPH" 10.0.2 &&
            hop vp-mq-to-one-pair vpf10 "$VPF" 10.0.2
          end_chain; SVQ="" L2_MQ="" ;;
    *) echo "qemu: no chain $1"; exit 2 ;;
  esac
}
for c in $QEMU_CHAINS; do chain "$c"; done
rec dmesg-vdpa sh -c 'dmesg | grep -iE "vringh|vdpa|vhost" | tail -n 40'
log "done"
echo "qemu: scenario done"
