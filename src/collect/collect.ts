/**
 * Collection: gather raw material from the live host (live.ts) or a dump
 * directory (dump.ts), parse it into observations (observe.ts), normalize into
 * a profile, and refuse a profile the loader would not read.
 */
import { join } from 'node:path';
import { ValidationError, InputError } from '../errors.js';
import { MAX_PROFILE_BYTES } from '../profile/load.js';
import { normalize } from '../profile/normalize.js';
import { profileSchemaProblems } from '../profile/schema.js';
import type { Profile } from '../profile/types.js';
import { readDump } from './dump.js';
import { DUMP_COMMANDS, type RawDump } from './dump-layout.js';
import { captureLive, type LiveOptions } from './live.js';
import { observe } from './observe.js';

export { DEFAULT_TIMEOUT_MS } from './limits.js';
export { captureLive, type LiveOptions, type SourceMode } from './live.js';
export { observe } from './observe.js';

/** Options of {@link collect}. */
export interface CollectOptions extends LiveOptions {
  /** Read this dump directory instead of the live host. */
  from?: string;
}

/** A collected profile and the raw material it was made from. */
export interface Collected {
  profile: Profile;
  raw: RawDump;
}

/**
 * The last check before a profile leaves collect: the loader's schema and its
 * size limit. Every input is checked where it is read, with its file and
 * field; this catches whatever those checks miss, so collect never hands out a
 * profile that `check` would refuse to load.
 */
async function refuseUnloadable(profile: Profile, source: string): Promise<Profile> {
  const problems = await profileSchemaProblems(profile);
  if (problems.length > 0) {
    throw new ValidationError(`${source} (as a profile)`, problems, 'The input holds a value collect does not check where it reads it; report it with the dump directory (`collect --save-raw DIR`).');
  }
  // The JSON form, indented as -o writes it; the YAML form is about half as large (the samples).
  const bytes = Buffer.byteLength(JSON.stringify(profile, null, 2));
  if (bytes > MAX_PROFILE_BYTES) {
    throw new InputError(
      'INPUT_TOO_LARGE',
      `${source}: the profile of its ${profile.devices.length} devices would be ${bytes} bytes, more than the ${MAX_PROFILE_BYTES}-byte limit for a profile`,
      'Collect the devices a migration needs: --device NAME.',
    );
  }
  return profile;
}

/** Collects a profile from the live host or, with `from`, from a dump directory. */
export async function collect(options: CollectOptions = {}): Promise<Collected> {
  if (options.from !== undefined) {
    const dir = options.from;
    const raw = await readDump(dir);
    const profile = normalize(
      observe(raw, 'dump', (file) => join(dir, file)),
      options.device,
    );
    return { profile: await refuseUnloadable(profile, dir), raw };
  }
  const raw = await captureLive(options);
  const profile = normalize(
    observe(raw, 'live', (file) => `output of \`${DUMP_COMMANDS[file] ?? file}\``),
    options.device,
  );
  return { profile: await refuseUnloadable(profile, 'this host'), raw };
}
