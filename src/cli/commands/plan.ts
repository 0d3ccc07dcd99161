/** `vdpa-compat plan SOURCE TARGET_HOST`: the commands that make a device the source's guest can move to. */
import type { Io } from '../io.js';
import { vmConfigOf, type VmOptionValues } from '../options.js';
import { loadInput, plan, renderPlanText } from '../../index.js';

/** Options of the plan command. */
export interface PlanCommandOptions extends VmOptionValues {
  sourceDevice?: string;
  name: string;
  json: boolean;
  strict: boolean;
  allowUnverified: boolean;
}

/** Loads both hosts, plans, prints; exits 0 with a plan, 1 when none can work, 2 when a fact is unknown. */
export async function planCommand(source: string, target: string, options: PlanCommandOptions, io: Io): Promise<number> {
  const [sourceProfile, targetProfile] = await Promise.all([loadInput(source), loadInput(target)]);
  const doc = plan(sourceProfile, targetProfile, {
    ...(options.sourceDevice !== undefined ? { sourceDevice: options.sourceDevice } : {}),
    ...(options.sourceQemu !== undefined ? { sourceQemu: { text: options.sourceQemu, origin: '--source-qemu' } } : {}),
    ...(options.targetQemu !== undefined ? { targetQemu: { text: options.targetQemu, origin: '--target-qemu' } } : {}),
    vm: vmConfigOf(options),
    name: options.name,
    strict: options.strict,
    allowUnverified: options.allowUnverified,
    sourceInput: source,
    targetInput: target,
  });
  // bigint-free by construction: masks are hex strings in the document.
  io.stdout.write(options.json ? `${JSON.stringify(doc, null, 2)}\n` : renderPlanText(doc));
  return doc.exitStatus;
}
