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
  // default -> default, QEMU 10.0.2 both sides: migrates, vhost-vdpa works on the destination.
  identical: { lab: 'a-identical', outcome: 'completed-vhost', datapath: true },
  // default -> device_features 0x308030028 (no CTRL_MAC_ADDR, which the guest negotiated):
  // the destination refuses the stream.
  'no-ctrl-mac-addr': { lab: 'b-no-ctrl-mac-addr', outcome: 'failed', why: /^dst: .*Features 0x[0-9a-f]+ unsupported/ },
  // QEMU 7.2 without x-svq: the source refuses to migrate at all.
  'qemu72-identical': { lab: 'h-qemu72-identical', outcome: 'blocked', why: /^migrate: Migration disabled: vhost lacks VHOST_F_LOG_ALL feature\.$/ },
};

/**
 * Cases where check's verdict is known not to match the real outcome (AGREES in outcome.ts),
 * with the verdict it gives and why. None so far.
 */
export const KNOWN_DISAGREEMENTS: Record<string, { verdict: Verdict; outcome: Outcome; reason: string }> = {};
