/** `vdpa-compat baseline HOSTS… --class CLASS --name NAME`: the largest device every host can provide. */
import type { Io } from '../io.js';
import { vmConfigOf, type VmOptionValues } from '../options.js';
import { UsageError, baseline, escapeControls, loadInput, profileFormat, serializeDocument, stageFile, type BaselineDocument } from '../../index.js';

/** Options of the baseline command. */
export interface BaselineCommandOptions extends Pick<VmOptionValues, 'xSvq'> {
  class: 'net' | 'blk';
  name: string;
  output?: string;
  format?: 'yaml' | 'json';
  force: boolean;
  qemu?: string;
  mtu?: number;
  strict: boolean;
  allowUnverified: boolean;
}

/** One line per host on stderr: what it limited, and whether the baseline device is proved there. */
function summary(doc: BaselineDocument): string {
  const lines = [
    `${escapeControls(doc.name)} (${doc.class}): ${doc.device.features.names.length} features, ${doc.device.queuePairs} queue pair${doc.device.queuePairs === 1 ? '' : 's'}, MTU ${doc.device.mtu ?? 'not offered'}: ${doc.status}`,
  ];
  for (const h of doc.hosts) {
    lines.push(`  ${escapeControls(h.hostname ?? h.input)} [${escapeControls(h.input)}]: ${h.status}${h.mgmtdev !== null ? ` on ${escapeControls(h.mgmtdev)}` : ''}${h.removed.length > 0 ? `, lacks ${h.removed.join(', ')}` : ''}`);
    for (const n of h.notes) lines.push(`    ${escapeControls(n)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Loads every host, computes and proves the baseline, writes it; exits 0 complete, 1 partial, 2 unknown. */
export async function baselineCommand(inputs: string[], options: BaselineCommandOptions, io: Io): Promise<number> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(options.name)) throw new UsageError('USAGE', `--name "${options.name}" is not a baseline name`, 'Use 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit.');
  if (new Set(inputs).size !== inputs.length) throw new UsageError('USAGE', 'a host is named twice', 'Name each host profile once.');
  const file = options.output === '-' ? undefined : options.output;
  let format = options.format ?? 'yaml';
  if (file !== undefined) {
    const byName = profileFormat(file);
    if (byName === null) throw new UsageError('USAGE', `-o ${file}: name the baseline .yaml, .yml or .json`, 'The extension picks the format; -o - writes to stdout.');
    format = byName;
  }
  const profiles = await Promise.all(inputs.map((input) => loadInput(input)));
  const doc = baseline(
    profiles.map((profile, i) => ({ profile, input: inputs[i] ?? '' })),
    options.class,
    options.name,
    {
      vm: vmConfigOf(options),
      strict: options.strict,
      allowUnverified: options.allowUnverified,
      ...(options.mtu !== undefined ? { mtu: options.mtu } : {}),
      ...(options.qemu !== undefined ? { qemu: { text: options.qemu, origin: '--qemu' } } : {}),
    },
  );
  const text = await serializeDocument(doc, format);
  if (file !== undefined) {
    stageFile(file, text, { force: options.force }).commit();
    io.stderr.write(`vdpa-compat: wrote ${escapeControls(file)}\n`);
  } else {
    io.stdout.write(text);
  }
  io.stderr.write(summary(doc));
  return doc.exitStatus;
}
