/** `vdpa-compat collect`: read this host (or a dump directory) into a profile. */
import { collect, type SourceMode } from '../../collect/collect.js';
import { writeDump } from '../../collect/dump.js';
import { UsageError } from '../../errors.js';
import { profileFormat, serializeProfile } from '../../profile/load.js';
import { EXIT } from '../exit.js';
import type { Io } from '../io.js';
import { writeFileAtomic } from '../../output-file.js';

/** Options of the collect command, as parsed from the command line. */
export interface CollectCommandOptions {
  output?: string;
  from?: string;
  saveRaw?: string;
  device?: string;
  vdpa: string;
  source: SourceMode;
  sysfsRoot: string;
  timeout: number;
  format?: 'yaml' | 'json';
  force: boolean;
  qemu?: string[];
}

/** Collects, then writes the dump (--save-raw), the profile (-o) or prints it. */
export async function collectCommand(options: CollectCommandOptions, io: Io): Promise<number> {
  let format = options.format ?? 'yaml';
  if (options.output !== undefined) {
    const byName = profileFormat(options.output);
    if (byName === null) throw new UsageError('USAGE', `-o ${options.output}: name the profile .yaml, .yml or .json`, 'The extension picks the format.');
    if (options.format !== undefined && options.format !== byName) {
      throw new UsageError('USAGE', `-o ${options.output} is ${byName} but --format says ${options.format}`, 'Drop --format or rename the file.');
    }
    format = byName;
  }
  const { profile, raw } = await collect({
    ...(options.from !== undefined ? { from: options.from } : {}),
    ...(options.device !== undefined ? { device: options.device } : {}),
    vdpaPath: options.vdpa,
    source: options.source,
    sysfsRoot: options.sysfsRoot,
    timeoutMs: options.timeout,
    ...(options.qemu !== undefined ? { qemuPaths: options.qemu } : {}),
  });
  const text = await serializeProfile(profile, format);
  if (options.saveRaw !== undefined) {
    await writeDump(options.saveRaw, raw, { force: options.force });
    io.stderr.write(`vdpa-compat: wrote dump directory ${options.saveRaw}\n`);
  }
  if (options.output !== undefined) {
    await writeFileAtomic(options.output, text, { force: options.force });
    io.stderr.write(`vdpa-compat: wrote ${options.output} (${profile.devices.length} device${profile.devices.length === 1 ? '' : 's'})\n`);
  } else if (options.saveRaw === undefined) {
    io.stdout.write(text);
  }
  return EXIT.OK;
}
