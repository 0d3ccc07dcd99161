/**
 * What each case of scenarios/migrate.sh did in the lab (../shared/lab/qemu-migration.md, the
 * table there), what `vdpa-compat check` is expected to say, and the known disagreements
 * between the two, each with its reason.
 */
import type { Verdict } from '../../src/verdict/types.js';
import type { Outcome } from './outcome.js';

export interface CaseExpectation {
  /** The lab's case it reproduces. */
  lab: string;
  outcome: Outcome;
  /** A line that must be among the outcome's reasons (QMP error, QEMU stderr). */
  why?: RegExp;
  /**
   * The L2 guest's unicast frames pass on the destination after the switch (true), or the
   * datapath is dead on the source already, before the migration (false: the lab cannot judge
   * the datapath, `deadBefore` says why). Unset: no destination runs the guest.
   */
  datapath?: boolean;
  deadBefore?: string;
  /** The chain of scenarios/migrate.sh it is a hop of (its lane is the one in LANES that has the chain). */
  chain: string;
}

/**
 * A lab guest of its own that runs some chains of scenarios/migrate.sh in order, booted beside the
 * other lanes' guests (two TCG vCPUs each), with `boot` added to boot.sh's environment.
 */
export interface Lane {
  name: string;
  chains: string[];
  boot: Record<string, string>;
  /** The lab guest's kernel (boot.sh's first argument); 6.12 unless the lane is about the kernel. */
  kernel?: '6.1' | '6.12';
  /**
   * Boot this lane's guest once that lane (earlier in LANES) is done, when the run has it: a third
   * lab guest beside two slowed every L2 boot several-fold on two cores.
   */
  after?: string;
}

/** The lab guest of the vp lanes: an emulated IOMMU and the vp_vdpa parents (test/e2e/lab/boot.sh). */
const VP_BOOT = { E2E_VIOMMU: '1', E2E_VP_PAIRS: '1', E2E_VP_FULL: '1' };

/**
 * The lanes, side by side: a run takes as long as its longest lane, so their chains are split to
 * take about as long (an L2 boot is 95-120 s, a case 25-60 s, on 2026-12-04 with two lab guests
 * side by side). VDPA_COMPAT_QEMU_CHAINS picks chains.
 */
export const LANES: Lane[] = [
  { name: 'a', chains: ['q10', 'q72', 'q13'], boot: {} },
  { name: 'b', chains: ['q72svq', 'q13s', 'nohm'], boot: {} },
  // Kernel 6.1 where it matters: the ring-size check of VHOST_SET_VRING_NUM (qemu-versions.md 1.7).
  { name: 'k61', chains: ['k61q13s'], boot: {}, kernel: '6.1', after: 'b' },
  // The vp_vdpa parents (test/e2e/lab/boot.sh) behind an emulated IOMMU, which vhost_vdpa needs
  // for them. Two lanes, each after a default one: a third lab guest beside the other two slowed
  // every L2 boot past 900 s on two cores, and one vp lane after both took 15-25 minutes more.
  { name: 'vp', chains: ['vpsvq', 'vpblk'], boot: VP_BOOT, after: 'k61' },
  { name: 'vp2', chains: ['vpnosvq', 'vpmq'], boot: VP_BOOT, after: 'a' },
];

/** The lane whose guest runs a case's chain. */
export function laneOf(expected: CaseExpectation): Lane {
  const lane = LANES.find((l) => l.chains.includes(expected.chain));
  if (lane === undefined) throw new Error(`chain ${expected.chain} is in no lane (LANES)`);
  return lane;
}

export const CASES: Record<string, CaseExpectation> = {
  // Chain q10, QEMU 10.0.2 both sides, in order. default -> default: migrates, vhost-vdpa works.
  identical: { chain: 'q10', lab: 'a-identical', outcome: 'completed-vhost', datapath: true },
  // -> mtu 1400, below the guest's 1500 (host_mtu=1500): migrates, small frames pass.
  'mtu-smaller': { chain: 'q10', lab: '(none)', outcome: 'completed-vhost', datapath: true },
  // -> mtu 9000: a larger target MTU migrates, the guest stays at 1500.
  'mtu-9000': { chain: 'q10', lab: 'c-mtu-9000', outcome: 'completed-vhost', datapath: true },
  // mtu 9000 -> mtu 9000 device_features 0x308830008 (no F_MAC): QEMU's SET_CONFIG MAC holds.
  'no-mac-bit': { chain: 'q10', lab: 'g-no-mac-bit', outcome: 'completed-vhost', datapath: true },
  // no F_MAC -> mac :01 mtu 9000.
  'mac-bit-back': { chain: 'q10', lab: 'g-mac-bit-back', outcome: 'completed-vhost', datapath: true },
  // mtu 9000 -> device_features 0x308830020 (no F_MTU), which the guest negotiated: QEMU offers
  // F_MTU itself when host_mtu is set (x-mtu-bypass-backend, on by default in 10.0.2). The lab
  // migrated from a default (mtu 1500) device.
  'no-mtu': { chain: 'q10', lab: 'e-no-mtu', outcome: 'completed-vhost', datapath: true },
  // The device without F_MTU -> mtu 9000 (not in the lab's table).
  'no-mtu-to-mtu-9000': { chain: 'q10', lab: '(none: c-mtu-9000 from a source without F_MTU)', outcome: 'completed-vhost', datapath: true },
  // -> device_features 0x308030028 (no CTRL_MAC_ADDR, which the guest negotiated): the
  // destination refuses the stream; the chain ends.
  'no-ctrl-mac-addr': { chain: 'q10', lab: 'b-no-ctrl-mac-addr', outcome: 'failed', why: /^dst: .*Features 0x[0-9a-f]+ unsupported/ },
  // Chain q13, its first hop: both without CTRL_MAC_ADDR, target mac :02: QEMU writes the VM's
  // MAC into the target when it starts.
  'mac-differs': { chain: 'q13', lab: 'd-mac-differs', outcome: 'completed-vhost', datapath: true },
  // QEMU 7.2 without x-svq: the source refuses to migrate at all.
  'qemu72-identical': { chain: 'q72', lab: 'h-qemu72-identical', outcome: 'blocked', why: /^migrate: Migration disabled: vhost lacks VHOST_F_LOG_ALL feature\.$/ },
  // Chain q72svq: QEMU 7.2 with x-svq=on on both sides: no blocker, migrates with vhost started.
  'qemu72-svq-identical': {
    chain: 'q72svq',
    lab: '(none)',
    outcome: 'completed-vhost',
    datapath: false,
    deadBefore:
      "the shadow virtqueues' rings are QEMU's own anonymous memory, which vdpa_sim's VA mode does not map (vhost_vdpa_va_map maps only shared file-backed memory): " +
      'vringh errors in dmesg and TX timeouts in the L2 guest from its start, on the source',
  },
  // Chain q13 on: 10.0.2 -> 10.0.13: the destination takes the ring sizes from the stream.
  'to-qemu-10.0.13': { chain: 'q13', lab: 'f-1002-to-10013', outcome: 'completed-vhost', datapath: true },
  // That migrated-in 10.0.13 (running on the 256-entry rings of the stream) -> 10.0.2.
  'from-migrated-qemu-10.0.13': { chain: 'q13', lab: '(none)', outcome: 'completed-vhost', datapath: true },
  // Chain q13s: a guest started on 10.0.13 (1024-entry rings asked of a device that allows 256:
  // vhost never starts, on the source nor on the destination) -> 10.0.13.
  'qemu-10.0.13-source': { chain: 'q13s', lab: '(none)', outcome: 'completed-fallback', why: /^migration completed, destination vhost-started=false$/ },
  // Chain k61q13s (lane k61: kernel 6.1, whose vhost_vdpa takes a ring above the device's
  // maximum): a guest started on 10.0.13 (1024-entry rings on a device that allows 256) -> 10.0.13,
  // then on those rings -> 10.0.2, which takes the ring sizes from the stream.
  // Measured: vhost starts on the 1024-entry rings (vring-num 1024 on both sides) and frames pass
  // before and after both migrations: vdpa_sim sets its rings up with the size it is given.
  'k61-qemu-10.0.13-source': { chain: 'k61q13s', lab: '(none)', outcome: 'completed-vhost', datapath: true },
  'k61-1024-rings-to-qemu-10.0.2': { chain: 'k61q13s', lab: '(none)', outcome: 'completed-vhost', datapath: true },
  // Chain nohm, no host_mtu (the guest gets no F_MTU, runs at 1500): mtu 9000 -> mtu 1500.
  'mtu-smaller-no-host-mtu': { chain: 'nohm', lab: '(none)', outcome: 'completed-vhost', datapath: true },
  // -> mtu 9000, larger: the guest never negotiated F_MTU, so neither size matters.
  'mtu-larger-no-host-mtu': { chain: 'nohm', lab: '(none)', outcome: 'completed-vhost', datapath: true },
  // -> no F_MTU: the guest never negotiated it, so the target need not offer it.
  'no-mtu-no-host-mtu': { chain: 'nohm', lab: '(none)', outcome: 'completed-vhost', datapath: true },
  // -> mac :02 with the default features, CTRL_MAC_ADDR among them, which the guest negotiated:
  // QEMU sets the guest's MAC on the destination device when vhost starts there (its CVQ load).
  'mac-differs-ctrl-mac-addr': { chain: 'nohm', lab: '(none)', outcome: 'completed-vhost', datapath: true },
  // -> a device another QEMU holds open, paused (-S) before its guest ran, so nothing is negotiated
  // and `vdpa dev config show` shows an idle device: the char device opens once at a time, so the
  // destination cannot start its netdev; the source never pauses and the chain goes on.
  'target-held-open': { chain: 'nohm', lab: '(none)', outcome: 'failed', why: /^dst: .*Could not open '\/dev\/vhost-vdpa-\d+': Device or resource busy/ },
  // -> a device the host kernel took (virtio_vdpa, so no /dev/vhost-vdpa-N): the destination
  // cannot start its netdev, the source never pauses and the chain goes on.
  'target-bound-to-virtio-vdpa': { chain: 'nohm', lab: '(none)', outcome: 'failed', why: /^dst: .*Could not open/ },
  // -> a block device (vdpasim_blk) on vhost_vdpa: QEMU 10.0.2's vhost-vdpa netdev takes it and
  // fails to set up its rings (vhost_set_vring_call: ENOBUFS), so it cannot start either.
  'target-block-device': { chain: 'nohm', lab: '(none)', outcome: 'failed', why: /^dst: .*failed to init vhost_net for queue/ },
  // Chain vpsvq, vp_vdpa parents, x-svq=on, one queue pair, from F (SVQ-proof features). -> I as
  // it is: it offers GUEST_ANNOUNCE, INDIRECT_DESC and RING_RESET, so the destination's netdev
  // cannot start; the source never paused and the chain goes on.
  'vp-svq-refused-bits': { chain: 'vpsvq', lab: '(none)', outcome: 'failed', why: /^dst: .*(SVQ Invalid device feature flags|vdpa svq does not work with features)/ },
  // -> I without ACCESS_PLATFORM, which the shadow virtqueues require.
  'vp-svq-no-access-platform': { chain: 'vpsvq', lab: '(none)', outcome: 'failed', why: /^dst: .*SVQ Invalid device feature flags/ },
  // -> I with the refused bits masked by device_features: migrates, vhost started on I, frames pass.
  'vp-svq-masked': { chain: 'vpsvq', lab: '(none)', outcome: 'completed-vhost', datapath: true },
  // Chain vpnosvq, no x-svq: vdpa_sim -> the vp_vdpa parent G. vp_vdpa cannot set a ring's
  // state, so the destination's vhost cannot start on the guest's rings and QEMU falls back on its
  // own virtio.
  'sim-to-vp-no-svq': { chain: 'vpnosvq', lab: '(none)', outcome: 'completed-fallback' },
  // Chain vpblk, no x-svq, the source on I as it is: QEMU 10.0.2 refuses to migrate.
  'vp-refused-bits-no-svq': { chain: 'vpblk', lab: '(none)', outcome: 'blocked', why: /^migrate: .*(vdpa svq does not work with features|SVQ Invalid device feature flags)/ },
  // Chain vpmq, x-svq=on, two queue pairs, D -> H: migrates, frames pass.
  'vp-mq-svq': { chain: 'vpmq', lab: '(none)', outcome: 'completed-vhost', datapath: true },
  // -> F, one queue pair, without MQ and without the UFO offloads of H's tap backend, which the
  // two-pair guest negotiated: the destination refuses the stream; the first refusal measured is
  // virtio-net's UFO check of its saved state, before the features or queue pairs; the chain ends.
  'vp-mq-to-one-pair': { chain: 'vpmq', lab: '(none)', outcome: 'failed', why: /^dst: .*(saved image requires TUN_F_UFO support|Features 0x[0-9a-f]+ unsupported|queue_pairs)/ },
};

/**
 * Cases where check's verdict is known not to match the real outcome (AGREES in outcome.ts),
 * with the verdict it gives and why.
 */
export const KNOWN_DISAGREEMENTS: Record<string, { verdict: Verdict; outcome: Outcome; reason: string }> = {
  'mtu-smaller': {
    verdict: 'incompatible',
    outcome: 'completed-vhost',
    reason:
      "mtu-match/targetSmaller: the guest negotiated F_MTU at 1500 and the target offers 1400. QEMU migrates it and the L2 guest's small frames pass, " +
      'but frames between the two MTUs are what a real NIC drops and this lab never sends (vdpa_sim does not enforce the MTU): a refusal that is right for hardware',
  },
  'from-migrated-qemu-10.0.13': {
    verdict: 'incompatible',
    outcome: 'completed-vhost',
    reason:
      'max-vq-size/forcedRings: QEMU 10.0.13 asks for 1024-entry rings when it starts a guest, but this one came in from 10.0.2 and runs on the 256-entry rings of the stream; ' +
      'neither a profile nor the domain XML says which, so check assumes the forced size (a refusal on the safe side)',
  },
  'no-mtu-to-mtu-9000': {
    verdict: 'unverified',
    outcome: 'completed-vhost',
    reason:
      'mtu-match/unverified: the source device has no F_MTU, so check takes the source MTU as unknown even with --host-mtu 1500; ' +
      'QEMU 10.0.2 offers F_MTU itself from host_mtu, the L2 guest runs at MTU 1500 on both sides and its unicast frames pass on the mtu 9000 target',
  },
};
