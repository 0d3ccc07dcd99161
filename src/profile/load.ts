/**
 * Reading profile files (YAML or JSON): size cap, safe YAML (JSON schema:
 * no custom types, no timestamps), version check, schema validation with
 * every problem reported at once, then the consistency checks a schema
 * cannot express (names match bits). A device's fingerprint is verified
 * where it is used ({@link verifiedFingerprint}).
 */
import { extname } from 'node:path';
import { InputError, ValidationError, type Problem } from '../errors.js';
import { readInputFile } from '../input-file.js';
import { parseYaml } from '../yaml.js';
import { featureNames, formatMask, parseMask, type DeviceClass } from './feature-bits.js';
import { profileSchemaProblems } from './schema.js';
import { PROFILE_FIX, PROFILE_KIND, PROFILE_SCHEMA_VERSION, type FeatureSetDoc, type Profile } from './types.js';
import { schemaVersionProblem } from './version.js';

/** Profiles are kilobytes; refuse anything that could only be a mistake or an attack. */
export const MAX_PROFILE_BYTES = 4 * 1024 * 1024;

/** The profile file formats, by extension. */
export function profileFormat(path: string): 'yaml' | 'json' | null {
  const ext = extname(path).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.json') return 'json';
  return null;
}

async function parseText(text: string, path: string, format: 'yaml' | 'json'): Promise<unknown> {
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new InputError('PROFILE_PARSE', `${path}: not valid JSON (${(error as Error).message})`, PROFILE_FIX, { cause: error });
    }
  }
  return parseYaml(text, path, PROFILE_FIX);
}

function checkFeatureSet(set: FeatureSetDoc | null, cls: DeviceClass, pointer: string, problems: Problem[]): bigint {
  if (set === null) return 0n;
  const mask = parseMask(set.bits) ?? 0n;
  const expected = featureNames(mask, cls);
  if (expected.join(' ') !== set.names.join(' ')) {
    problems.push({ pointer: `${pointer}/names`, message: `must list the names of bits ${formatMask(mask)}: [${expected.join(', ')}]` });
  }
  return mask;
}

/** Checks a schema-valid profile for contradictions the schema cannot see. */
export function consistencyProblems(profile: Profile): Problem[] {
  const problems: Problem[] = [];
  profile.mgmtdevs.forEach((m, i) => {
    const cls: DeviceClass = m.classes.includes('net') ? 'net' : m.classes.includes('block') ? 'blk' : 'other';
    checkFeatureSet(m.supportedFeatures, cls, `/mgmtdevs/${i}/supportedFeatures`, problems);
  });
  profile.devices.forEach((d, i) => {
    const at = `/devices/${i}`;
    const f = d.features;
    checkFeatureSet(f.negotiated, d.class, `${at}/features/negotiated`, problems);
    checkFeatureSet(f.provisionable, d.class, `${at}/features/provisionable`, problems);
    const present = checkFeatureSet(f.offered.present, d.class, `${at}/features/offered/present`, problems);
    const absent = checkFeatureSet(f.offered.absent, d.class, `${at}/features/offered/absent`, problems);
    if ((present & absent) !== 0n) {
      problems.push({ pointer: `${at}/features/offered`, message: `bits ${formatMask(present & absent)} are both present and absent` });
    }
  });
  return problems;
}

/** Validates a parsed document and returns it as a profile; `path` names it in errors. */
export async function toProfile(doc: unknown, path: string): Promise<Profile> {
  const object = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : null;
  if (object === null || object['kind'] !== PROFILE_KIND) {
    throw new InputError(
      'INPUT_NOT_PROFILE',
      `${path}: not a vdpa-compat host profile (no "kind: ${PROFILE_KIND}")`,
      'Pass a profile written by `vdpa-compat collect -o FILE`, or a dump directory.',
    );
  }
  const versionProblem = schemaVersionProblem(object['schemaVersion'], PROFILE_SCHEMA_VERSION);
  if (versionProblem !== null) {
    throw new InputError('PROFILE_VERSION', `${path}: ${versionProblem}`, 'Profiles are read by the vdpa-compat major version that wrote them.');
  }
  const schemaProblems = await profileSchemaProblems(doc);
  if (schemaProblems.length > 0) throw new ValidationError(path, schemaProblems, PROFILE_FIX);
  const profile = doc as Profile;
  const problems = consistencyProblems(profile);
  if (problems.length > 0) throw new ValidationError(path, problems, PROFILE_FIX);
  return profile;
}

/** Reads, parses and validates a profile file (.yaml, .yml or .json). */
export async function loadProfile(path: string): Promise<Profile> {
  const text = readInputFile(path, MAX_PROFILE_BYTES, 'a profile', 'Pass a .yaml/.json profile written by `vdpa-compat collect -o FILE` (or a dump directory where one is accepted).');
  if (text === null) {
    throw new InputError('INPUT_MISSING', `${path}: no such file or directory`, 'Check the path; a profile is written by `vdpa-compat collect -o FILE`.');
  }
  const format = profileFormat(path);
  if (format === null) {
    throw new InputError('INPUT_NOT_PROFILE', `${path}: unknown profile format "${extname(path)}"`, 'Name profile files .yaml, .yml or .json, or pass a dump directory.');
  }
  return toProfile(await parseText(text, path, format), path);
}

/** Profile as YAML or JSON text, ready to write. */
export async function serializeProfile(profile: Profile, format: 'yaml' | 'json'): Promise<string> {
  if (format === 'json') return `${JSON.stringify(profile, null, 2)}\n`;
  const { dump, visit, COLLECTION_STYLE } = await import('js-yaml');
  // The default dump schema quotes what YAML 1.1 readers would mistake for numbers: MACs, 0x masks.
  return dump(profile, {
    lineWidth: -1,
    noRefs: true,
    // Lists of scalars (feature names, sources) read better on one line: [MTU, MAC, STATUS].
    transform: (documents) =>
      visit(documents, (node) => {
        if (node.kind === 'sequence' && node.items.every((item) => item.kind === 'scalar')) node.style = COLLECTION_STYLE.FLOW;
      }),
  });
}
