/** `vdpa-compat collect`: read this host (or a dump directory) into a profile. */
import { EXIT } from '../exit.js';
import type { Io } from '../io.js';
import { UsageError, collect, escapeControls, profileFormat, serializeProfile, stageFile, writeDump, type SourceMode } from '../../index.js';

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

/**
 * Collects, then writes the dump (--save-raw), the profile (-o FILE) or prints
 * it (no -o, or -o -). On stdout goes the profile and nothing else, so that
 * `ssh HOST vdpa-compat collect -o - | vdpa-compat check - dst.yaml` works.
 */
export async function collectCommand(options: CollectCommandOptions, io: Io): Promise<number> {
  let format = options.format ?? 'yaml';
  const file = options.output === '-' ? undefined : options.output;
  // -o - asks for stdout even with --save-raw, which alone prints nothing.
  const toStdout = options.output === '-' || (options.output === undefined && options.saveRaw === undefined);
  if (file !== undefined) {
    const byName = profileFormat(file);
    if (byName === null) throw new UsageError('USAGE', `-o ${file}: name the profile .yaml, .yml or .json`, 'The extension picks the format; -o - writes to stdout (--format yaml or json).');
    if (options.format !== undefined && options.format !== byName) {
      throw new UsageError('USAGE', `-o ${file} is ${byName} but --format says ${options.format}`, 'Drop --format or rename the file.');
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
  // The profile is staged first: an -o that cannot be written fails before --save-raw writes anything.
  const staged = file === undefined ? undefined : stageFile(file, text, { force: options.force });
  if (options.saveRaw !== undefined) {
    try {
      await writeDump(options.saveRaw, raw, { force: options.force });
    } catch (error) {
      staged?.abort();
      throw error;
    }
    io.stderr.write(`vdpa-compat: wrote dump directory ${escapeControls(options.saveRaw)}\n`);
  }
  if (file !== undefined) {
    staged!.commit();
    io.stderr.write(`vdpa-compat: wrote ${escapeControls(file)} (${profile.devices.length} device${profile.devices.length === 1 ? '' : 's'})\n`);
  }
  if (toStdout) io.stdout.write(text);
  return EXIT.OK;
}
