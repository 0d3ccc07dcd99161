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
  /** The L2 guest's unicast frames pass on the destination after the switch. */
  datapath?: boolean;
}

export const CASES: Record<string, CaseExpectation> = {
  // Chain q10, QEMU 10.0.2 both sides, in order. default -> default: migrates, vhost-vdpa works.
  identical: { lab: 'a-identical', outcome: 'completed-vhost', datapath: true },
  // -> mtu 9000: a larger target MTU migrates, the guest stays at 1500.
  'mtu-9000': { lab: 'c-mtu-9000', outcome: 'completed-vhost', datapath: true },
  // mtu 9000 -> mtu 9000 device_features 0x308830008 (no F_MAC): QEMU's SET_CONFIG MAC holds.
  'no-mac-bit': { lab: 'g-no-mac-bit', outcome: 'completed-vhost', datapath: true },
  // no F_MAC -> mac :01 mtu 9000.
  'mac-bit-back': { lab: 'g-mac-bit-back', outcome: 'completed-vhost', datapath: true },
  // mtu 9000 -> device_features 0x308830020 (no F_MTU), which the guest negotiated: QEMU offers
  // F_MTU itself when host_mtu is set (x-mtu-bypass-backend, on by default in 10.0.2). The lab
  // migrated from a default (mtu 1500) device.
  'no-mtu': { lab: 'e-no-mtu', outcome: 'completed-vhost', datapath: true },
  // The device without F_MTU -> mtu 9000 (not in the lab's table).
  'no-mtu-to-mtu-9000': { lab: '(none: c-mtu-9000 from a source without F_MTU)', outcome: 'completed-vhost', datapath: true },
  // -> device_features 0x308030028 (no CTRL_MAC_ADDR, which the guest negotiated): the
  // destination refuses the stream; the chain ends.
  'no-ctrl-mac-addr': { lab: 'b-no-ctrl-mac-addr', outcome: 'failed', why: /^dst: .*Features 0x[0-9a-f]+ unsupported/ },
  // Chain qmac: both without CTRL_MAC_ADDR, target mac :02: QEMU writes the VM's MAC into the
  // target when it starts.
  'mac-differs': { lab: 'd-mac-differs', outcome: 'completed-vhost', datapath: true },
  // QEMU 7.2 without x-svq: the source refuses to migrate at all.
  'qemu72-identical': { lab: 'h-qemu72-identical', outcome: 'blocked', why: /^migrate: Migration disabled: vhost lacks VHOST_F_LOG_ALL feature\.$/ },
};

/**
 * Cases where check's verdict is known not to match the real outcome (AGREES in outcome.ts),
 * with the verdict it gives and why.
 */
export const KNOWN_DISAGREEMENTS: Record<string, { verdict: Verdict; outcome: Outcome; reason: string }> = {
  'no-mtu-to-mtu-9000': {
    verdict: 'unverified',
    outcome: 'completed-vhost',
    reason:
      'mtu-match/unverified: the source device has no F_MTU, so check takes the source MTU as unknown even with --host-mtu 1500; ' +
      'QEMU 10.0.2 offers F_MTU itself from host_mtu, the L2 guest runs at MTU 1500 on both sides and its unicast frames pass on the mtu 9000 target',
  },
};
