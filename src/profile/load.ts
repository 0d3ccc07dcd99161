/**
 * Reading profile files (YAML or JSON): size cap, safe YAML (JSON schema:
 * no custom types, no timestamps, no aliases), nesting capped, version check,
 * schema validation with the problems reported at once (the first ones listed,
 * the rest counted), then the consistency checks a schema cannot express
 * (names match bits). A profile of a newer minor loads under the rules of
 * docs/profile-format.md ("Versioning"). A device's fingerprint is verified
 * where it is used ({@link verifiedFingerprint}).
 */
import { extname } from 'node:path';
import { InputError, ValidationError, type Problem } from '../errors.js';
import { readInputFile } from '../input-file.js';
import { parseYaml } from '../yaml.js';
import { featureNames, formatMask, parseMask, type DeviceClass } from './feature-bits.js';
import { printableText, profileSchemaProblems } from './schema.js';
import { PROFILE_FIX, PROFILE_KIND, PROFILE_SCHEMA_VERSION, type FeatureSetDoc, type Profile } from './types.js';
import { isNewerMinor, schemaVersionProblem } from './version.js';

/** Profiles are kilobytes; refuse anything that could only be a mistake or an attack. */
export const MAX_PROFILE_BYTES = 4 * 1024 * 1024;

/** The profile file formats, by extension. */
export function profileFormat(path: string): 'yaml' | 'json' | null {
  const ext = extname(path).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.json') return 'json';
  return null;
}

/** Containers inside containers, the root counted; src/yaml.ts lets YAML nest as deep. A profile itself is six levels deep. */
const MAX_PROFILE_DEPTH = 64;

/**
 * Whether `doc` nests deeper than `max`. Iterative: JSON.parse reads a
 * million nested brackets, and every recursive walk after it (JSON.stringify
 * for the annotation, structuredClone) would then overflow the stack.
 */
function nestsDeeper(doc: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[doc, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** Parses profile text (YAML or JSON) into a document, not yet validated (toProfile does that); `path` names it in errors. */
export async function parseProfileText(text: string, path: string, format: 'yaml' | 'json'): Promise<unknown> {
  let doc: unknown;
  if (format === 'json') {
    try {
      doc = JSON.parse(text);
    } catch (error) {
      // V8 quotes the text around the fault, control characters and newlines included.
      throw new InputError('PROFILE_PARSE', `${path}: not valid JSON (${printableText((error as Error).message)})`, PROFILE_FIX, { cause: error });
    }
  } else {
    doc = await parseYaml(text, path, PROFILE_FIX);
  }
  // Not walked here for depth: toProfile, which every document goes through, does that once.
  return doc;
}

/** Where a feature set's names differ from the names this version gives its bits. */
export interface NameDifference {
  /** JSON pointer of the `names` list. */
  pointer: string;
  /** Names the profile gives that this version does not (for these bits). */
  theirs: string[];
  /** Names this version gives that the profile does not. */
  ours: string[];
}

/** Each feature set of the profile (JSON pointer, class its names follow), lowest pointer first. */
function featureSets(profile: Profile): Array<{ set: FeatureSetDoc | null; cls: DeviceClass; pointer: string }> {
  const sets: Array<{ set: FeatureSetDoc | null; cls: DeviceClass; pointer: string }> = [];
  profile.mgmtdevs.forEach((m, i) => {
    const cls: DeviceClass = m.classes.includes('net') ? 'net' : m.classes.includes('block') ? 'blk' : 'other';
    sets.push({ set: m.supportedFeatures, cls, pointer: `/mgmtdevs/${i}/supportedFeatures` });
  });
  profile.devices.forEach((d, i) => {
    const at = `/devices/${i}/features`;
    const f = d.features;
    sets.push({ set: f.negotiated, cls: d.class, pointer: `${at}/negotiated` }, { set: f.provisionable, cls: d.class, pointer: `${at}/provisionable` });
    sets.push({ set: f.offered.present, cls: d.class, pointer: `${at}/offered/present` }, { set: f.offered.absent, cls: d.class, pointer: `${at}/offered/absent` });
  });
  return sets;
}

/**
 * The feature sets whose names are not the ones this version gives their
 * bits. In a profile of a newer minor that is expected (a newer vdpa-compat
 * names bits we call bit_N, or renames one): the mask decides, the names are
 * only shown. `under` keeps the sets below these pointers (the devices a check reads).
 */
export function featureNameDifferences(profile: Profile, under?: readonly string[]): NameDifference[] {
  const differences: NameDifference[] = [];
  for (const { set, cls, pointer } of featureSets(profile)) {
    if (set === null || (under !== undefined && !under.some((u) => pointer.startsWith(`${u}/`)))) continue;
    const expected = featureNames(parseMask(set.bits) ?? 0n, cls);
    if (expected.join(' ') === set.names.join(' ')) continue;
    differences.push({ pointer: `${pointer}/names`, theirs: set.names.filter((n) => !expected.includes(n)), ours: expected.filter((n) => !set.names.includes(n)) });
  }
  return differences;
}

/**
 * Checks a schema-valid profile for contradictions the schema cannot see. A
 * profile of a newer minor (`newerMinor`) may name bits otherwise: its names
 * are not checked (see {@link featureNameDifferences}).
 */
export function consistencyProblems(profile: Profile, options: { newerMinor?: boolean } = {}): Problem[] {
  const problems: Problem[] = [];
  const sets = featureSets(profile);
  for (const { set, cls, pointer } of sets) {
    if (set === null || options.newerMinor) continue;
    const mask = parseMask(set.bits) ?? 0n;
    const expected = featureNames(mask, cls);
    if (expected.join(' ') !== set.names.join(' ')) {
      problems.push({ pointer: `${pointer}/names`, message: `must list the names of bits ${formatMask(mask)}: [${expected.join(', ')}]` });
    }
  }
  profile.devices.forEach((d, i) => {
    const present = parseMask(d.features.offered.present.bits) ?? 0n;
    const absent = parseMask(d.features.offered.absent.bits) ?? 0n;
    if ((present & absent) !== 0n) {
      problems.push({ pointer: `/devices/${i}/features/offered`, message: `bits ${formatMask(present & absent)} are both present and absent` });
    }
  });
  return problems;
}

/** Validates a parsed document and returns it as a profile; `path` names it in errors. */
export async function toProfile(doc: unknown, path: string): Promise<Profile> {
  // Documents arrive parsed, too (the hook's metadata, library callers): the same bound as parsed text.
  if (nestsDeeper(doc, MAX_PROFILE_DEPTH)) throw new InputError('PROFILE_PARSE', `${path}: nested deeper than ${MAX_PROFILE_DEPTH} levels`, PROFILE_FIX);
  const object = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : null;
  if (object === null || object['kind'] !== PROFILE_KIND) {
    throw new InputError('INPUT_NOT_PROFILE', `${path}: not a vdpa-compat host profile (no "kind: ${PROFILE_KIND}")`, 'Pass a profile written by `vdpa-compat collect -o FILE`, or a dump directory.');
  }
  const version = object['schemaVersion'];
  const versionProblem = schemaVersionProblem(version, PROFILE_SCHEMA_VERSION);
  if (versionProblem !== null) {
    throw new InputError('PROFILE_VERSION', `${path}: ${versionProblem}`, 'Profiles are read by the vdpa-compat major version that wrote them.');
  }
  const newerMinor = isNewerMinor(version as string, PROFILE_SCHEMA_VERSION);
  const schemaProblems = await profileSchemaProblems(doc, { newerMinor });
  if (schemaProblems.length > 0)
    throw new ValidationError(path, schemaProblems, newerMinor ? `${PROFILE_FIX} (It is of schema ${String(version)}, newer than this vdpa-compat's ${PROFILE_SCHEMA_VERSION}: what it breaks, this version relies on.)` : PROFILE_FIX);
  const profile = doc as Profile;
  const problems = consistencyProblems(profile, { newerMinor });
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
  return toProfile(await parseProfileText(text, path, format), path);
}

/** Profile as YAML or JSON text, ready to write. */
export async function serializeProfile(profile: Profile, format: 'yaml' | 'json'): Promise<string> {
  return serializeDocument(profile, format);
}

/** Any document of ours (a profile, a baseline) as YAML or JSON, in the same style. */
export async function serializeDocument(document: object, format: 'yaml' | 'json'): Promise<string> {
  if (format === 'json') return `${JSON.stringify(document, null, 2)}\n`;
  const { dump, visit, COLLECTION_STYLE } = await import('js-yaml');
  // The default dump schema quotes what YAML 1.1 readers would mistake for numbers: MACs, 0x masks.
  // The document is the JSON form's, so both formats say the same: JSON writes -0 as 0, YAML would keep it.
  return dump(JSON.parse(JSON.stringify(document)), {
    lineWidth: -1,
    noRefs: true,
    // Lists of scalars (feature names, sources) read better on one line: [MTU, MAC, STATUS].
    transform: (documents) =>
      visit(documents, (node) => {
        if (node.kind === 'sequence' && node.items.every((item) => item.kind === 'scalar')) node.style = COLLECTION_STYLE.FLOW;
      }),
  });
}
