// Regenerates every sample profile profiles/<parent>/<name>.yaml from the dump
// directory next to it (profiles/<parent>/<name>/). Run after changing how
// profiles are built: `npm run build && npm run profiles`. A meta-test fails
// while they are stale.
import { readdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { collect, serializeProfile } from '../dist/index.js';

const root = new URL('../profiles/', import.meta.url);
for (const parent of await readdir(root, { withFileTypes: true })) {
  if (!parent.isDirectory()) continue;
  for (const entry of await readdir(new URL(`${parent.name}/`, root), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = new URL(`${parent.name}/${entry.name}/`, root);
    const { profile } = await collect({ from: fileURLToPath(dir) });
    await writeFile(new URL(`${parent.name}/${entry.name}.yaml`, root), await serializeProfile(profile, 'yaml'));
    console.log(`profiles/${parent.name}/${entry.name}.yaml`);
  }
}
