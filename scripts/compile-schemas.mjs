// Compiles the JSON Schemas in schemas/ into standalone ajv validators at
// build time, so the CLI validates every profile and report with ajv's code
// without paying ajv's import and compile cost at start-up (README, "Speed").
// Writes src/generated/<schema>-validator.js (+ .d.ts) for the tests and
// dist/generated/<schema>-validator.js for the build, and the profile's field
// tree (profile-fields.js), which says which fields this version knows.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import Ajv2020 from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = new URL('../', import.meta.url);
/**
 * `bounded`: the validator of a document a user gives us keeps the first
 * KEPT_ERRORS errors, counts the others per top-level field, and stops at
 * STOP_ERRORS (see boundedRuntime). `open`: unknown fields are not the
 * validator's business (profiles: src/profile/schema.ts decides, by minor version).
 */
const schemas = {
  validateProfile: { file: 'schemas/profile.v1.json', bounded: true, open: true },
  validateReport: { file: 'schemas/report.v1.json', bounded: false, open: false },
  validatePlan: { file: 'schemas/plan.v1.json', bounded: false, open: false },
  validateFit: { file: 'schemas/fit.v1.json', bounded: false, open: false },
  validateBaseline: { file: 'schemas/baseline.v1.json', bounded: false, open: false },
  validateMatrix: { file: 'schemas/matrix.v1.json', bounded: false, open: false },
  validatePolicy: { file: 'schemas/policy.v1.json', bounded: true, open: false },
  validateRulePack: { file: 'schemas/rule-pack.v1.json', bounded: true, open: false },
};

/** Errors a bounded validator keeps; what the user sees is capped again in src/profile/schema.ts. */
const KEPT_ERRORS = 100;
/** A bounded validator gives up after this many errors: a document this wrong is not worth more time. */
const STOP_ERRORS = 100_000;

/** Every `additionalProperties: false` removed: a profile of a newer minor may add fields anywhere. */
function openObjects(node) {
  if (Array.isArray(node)) return node.map(openObjects);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'additionalProperties' && v === false))
      .map(([k, v]) => [k, openObjects(v)]),
  );
}

/** The node a local `$ref` (#/a/b) points at. */
function resolve(schema, ref) {
  if (!ref.startsWith('#/')) throw new Error(`compile-schemas: only local $refs are supported, got ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .reduce((node, token) => node?.[token.replace(/~1/g, '/').replace(/~0/g, '~')], schema);
}

/**
 * The fields the schema names, as a tree: `fields` for an object's
 * properties (`closed` when the schema lists all of them), `items` for an
 * array's elements; null where nothing below has fields.
 */
function fieldTree(schema, node, depth = 0) {
  if (depth > 32) throw new Error('compile-schemas: the profile schema is recursive; profile-fields.js cannot describe it');
  if (node.$ref) node = { ...resolve(schema, node.$ref), ...node, $ref: undefined };
  const tree = {};
  if (node.properties) {
    tree.fields = Object.fromEntries(Object.entries(node.properties).map(([key, child]) => [key, fieldTree(schema, child, depth + 1)]));
    if (node.additionalProperties === false) tree.closed = true;
  }
  if (node.items && typeof node.items === 'object') {
    const items = fieldTree(schema, node.items, depth + 1);
    if (items !== null) tree.items = items;
  }
  for (const keyword of ['oneOf', 'anyOf', 'allOf']) {
    if (node[keyword]) throw new Error(`compile-schemas: ${keyword} in the profile schema; profile-fields.js cannot describe it (use a nullable type instead)`);
  }
  return Object.keys(tree).length > 0 ? tree : null;
}

/**
 * Prepended to a bounded validator. ajv collects errors with allErrors by
 * concatenating each referenced schema's list onto its caller's, which is
 * quadratic (16,000 bad devices took 7 s and 144,000 lines), and keeps every
 * error, which is memory without bound. Here every error is recorded once,
 * when it is made, in the order ajv makes them (document order); the lists
 * ajv passes around only have to say "not empty". That is exact as long as
 * no error is ever taken back, which only oneOf/anyOf do: the script refuses
 * a bounded schema whose code rolls errors back.
 */
const boundedRuntime = `
const KEPT_ERRORS = ${KEPT_ERRORS};
const STOP_ERRORS = ${STOP_ERRORS};
const STOPPED = new Error("validation stopped");
let keptErrors = [];
let seenErrors = 0;
let droppedErrors = new Map();
function addError(list, error) {
  seenErrors++;
  if (keptErrors.length < KEPT_ERRORS) keptErrors.push(error);
  else {
    const top = /^\\/[^/]*/.exec(error.instancePath)?.[0] ?? "";
    droppedErrors.set(top, (droppedErrors.get(top) ?? 0) + 1);
  }
  if (seenErrors >= STOP_ERRORS) throw STOPPED;
  return list === null ? [error] : list;
}
function addErrors(list, errors) {
  return list === null ? errors : list;
}
function bounded(validate) {
  function run(data) {
    keptErrors = [];
    seenErrors = 0;
    droppedErrors = new Map();
    let valid;
    try {
      valid = validate(data);
    } catch (error) {
      if (error !== STOPPED) throw error;
      valid = false;
    }
    const stopped = seenErrors >= STOP_ERRORS;
    const more = [...droppedErrors].map(([top, count]) => ({ instancePath: top, schemaPath: "#", keyword: "errorLimit", params: { count, stopped }, message: "and " + count + " more" }));
    run.errors = valid ? null : keptErrors.concat(more);
    keptErrors = [];
    droppedErrors = new Map();
    return valid;
  }
  run.errors = null;
  return run;
}
`;

/** Rewrites ajv's error bookkeeping to boundedRuntime's; throws when ajv's code does not look as expected. */
function boundErrors(name, code) {
  let pushes = 0;
  let merges = 0;
  code = code.replace(/if\(vErrors === null\)\{vErrors = \[(err\d+)\];\}else \{vErrors\.push\(\1\);\}/g, (_, err) => {
    pushes += 1;
    return `vErrors = addError(vErrors, ${err});`;
  });
  // errors++ rather than errors = vErrors.length: the count only has to grow when a subschema fails.
  code = code.replace(/vErrors = vErrors === null \? (validate\d+)\.errors : vErrors\.concat\(\1\.errors\);errors = vErrors\.length;/g, (_, fn) => {
    merges += 1;
    return `vErrors = addErrors(vErrors, ${fn}.errors);errors++;`;
  });
  if (pushes === 0) throw new Error(`compile-schemas: ${name}: no ajv error push found to bound`);
  for (const leftover of ['vErrors.push(', 'vErrors.concat(', 'vErrors = [', 'vErrors.length', 'errors = _errs']) {
    if (code.includes(leftover)) throw new Error(`compile-schemas: ${name}: ajv's code still has "${leftover}" after bounding: the error bookkeeping changed (or the schema takes errors back)`);
  }
  const exported = new RegExp(`export const ${name} = (validate\\d+);`);
  if (!exported.test(code)) throw new Error(`compile-schemas: ${name}: no export to wrap`);
  code = code.replace(exported, `export const ${name} = bounded($1);`);
  return { code: `${boundedRuntime}${code}`, pushes, merges };
}

async function compile(name, { file, bounded, open }) {
  const ajv = new Ajv2020.default({ code: { source: true, esm: true }, allErrors: true, strict: true, allowUnionTypes: true, inlineRefs: false });
  const schema = JSON.parse(await readFile(new URL(file, root), 'utf8'));
  ajv.addSchema(open ? openObjects(schema) : schema, file);
  let code = standaloneCode.default(ajv, { [name]: file });
  // ajv's ESM output still calls require() for its runtime helpers; turn each
  // into a static import so Node and bundlers resolve it like any other module.
  const imports = [];
  code = code.replace(/const (func\d+) = require\("(ajv\/dist\/runtime\/[a-z0-9]+)"\)\.default;/g, (_, name, path) => {
    imports.push(`import ${name}Module from "${path}.js";`);
    return `const ${name} = ${name}Module.default;`;
  });
  if (/require\(/.test(code)) throw new Error('compile-schemas: ajv emitted a require() this script does not rewrite');
  if (bounded) code = boundErrors(name, code).code;
  return { code: `${imports.join('\n')}\n${code}`, schema };
}

const types = `// Generated by scripts/compile-schemas.mjs from schemas/*.json. Do not edit.
import type { ErrorObject } from 'ajv';
export interface Validator { (data: unknown): boolean; errors?: ErrorObject[] | null }
`;
const fieldTypes = `// Generated by scripts/compile-schemas.mjs from schemas/profile.v1.json. Do not edit.
/** The fields the profile schema names: an object's (closed: no others in this minor), an array's items. */
export interface FieldTree { fields?: Readonly<Record<string, FieldTree | null>>; closed?: true; items?: FieldTree }
export declare const profileFields: FieldTree;
`;
for (const dir of ['src/generated/', 'dist/generated/']) {
  await rm(new URL(dir, root), { recursive: true, force: true });
  await mkdir(new URL(dir, root), { recursive: true });
}
for (const [name, spec] of Object.entries(schemas)) {
  // One module per schema: the CLI loads the profile validator only when it reads a profile file.
  const module = name
    .replace(/^validate/, '')
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase();
  const { code, schema } = await compile(name, spec);
  for (const dir of ['src/generated/', 'dist/generated/']) await writeFile(new URL(`${dir}${module}-validator.js`, root), code);
  await writeFile(new URL(`src/generated/${module}-validator.d.ts`, root), `${types}export declare const ${name}: Validator;\n`);
  if (name === 'validateProfile') {
    const fields = `// Generated by scripts/compile-schemas.mjs from ${spec.file}. Do not edit.\nexport const profileFields = ${JSON.stringify(fieldTree(schema, schema))};\n`;
    for (const dir of ['src/generated/', 'dist/generated/']) await writeFile(new URL(`${dir}profile-fields.js`, root), fields);
    await writeFile(new URL('src/generated/profile-fields.d.ts', root), fieldTypes);
  }
}
