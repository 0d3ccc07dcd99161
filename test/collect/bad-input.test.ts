import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';
import { assertNoEntry, assertRefused, editedDump, json, scratchDir } from './edit-dump.js';

// Issue 8, point 6: bad input that crashed `collect` with an untyped exception (exit 2 as
// "internal error", a stack under --debug). Each case is a real recorded dump with one
// value changed, run through the CLI as a real process; each must end in one typed line
// naming the file and the field.

/** Raw netlink, kernel 6.12: nine simulator devices (src … blk). */
const NETLINK = repoPath('test/fixtures/e2e/k6.12/dumps/sim-netlink');
/** The vdpa tool, kernel 6.1 + iproute2 6.1: the per-device file holds `dev config show blk` (rc 1). */
const TOOL61 = repoPath('test/fixtures/e2e/k6.1/dumps/sim-tool61');
/** vp_vdpa, kernel 6.12: three devices bound to vhost_vdpa (sysfs.json has vhost-vdpa-0..2). */
const THREE = repoPath('profiles/vp_vdpa/k6.12-three-vhost');

/** An array nested `depth` deep: JSON.parse reads it, a recursive JSON.stringify of it overflows the stack. */
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

let scratch: string;
before(async () => {
  scratch = await scratchDir('bad-input');
});

describe('collect: bad input is a typed error, never a crash (issue 8.6)', () => {
  it('a deeply nested value in `vdpa -j dev show` output', async () => {
    // vdpa-dev-show.json: vdpa0's "max_vqs" (an integer) replaced by an array nested 100000 deep.
    const dir = await editedDump(scratch, THREE, {
      'vdpa-dev-show.json': (text) => text.replace(/"max_vqs":\d+/, `"max_vqs":${deep(100_000)}`),
    });
    const out = join(scratch, 'deep-tool.json');
    assertRefused(await runCli(['collect', '--from', dir, '-o', out]), { code: 'VDPA_OUTPUT_UNEXPECTED', file: join(dir, 'vdpa-dev-show.json'), pointer: '/dev/vdpa0/max_vqs' });
    await assertNoEntry(scratch, 'deep-tool');
  });

  it('a deeply nested value in the netlink record', async () => {
    // vdpa-netlink.json: the first attribute of the first management device replaced by an array nested 100000 deep.
    const dir = await editedDump(scratch, NETLINK, {
      'vdpa-netlink.json': (text) => {
        const doc = JSON.parse(text) as { mgmtdevs: Array<{ attrs: unknown[] }> };
        doc.mgmtdevs[0]!.attrs[0] = '@DEEP@';
        return JSON.stringify(doc).replace('"@DEEP@"', deep(100_000));
      },
    });
    assertRefused(await runCli(['collect', '--from', dir]), { code: 'VDPA_OUTPUT_UNEXPECTED', file: join(dir, 'vdpa-netlink.json'), pointer: '/mgmtdevs/0/attrs/0' });
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const netlinkCases: Array<[string, (doc: any) => unknown, string]> = [
    ['"configs": null', (doc) => ({ ...doc, configs: null }), '/configs'],
    ['a null config reply', (doc) => ({ ...doc, configs: { ...doc.configs, src: null } }), '/configs/src'],
    ['a number where a config reply belongs', (doc) => ({ ...doc, configs: { ...doc.configs, src: 7 } }), '/configs/src'],
    ['a null device reply', (doc) => ({ ...doc, devices: [null, ...doc.devices.slice(1)] }), '/devices/0'],
    ['a number where a management device reply belongs', (doc) => ({ ...doc, mgmtdevs: [7, ...doc.mgmtdevs.slice(1)] }), '/mgmtdevs/0'],
    ['a failure record whose error is not a string', (doc) => ({ ...doc, configs: { ...doc.configs, src: { error: { toString: 0 } } } }), '/configs/src/error'],
  ];
  for (const [what, change, pointer] of netlinkCases) {
    it(`netlink record: ${what}`, async () => {
      // vdpa-netlink.json: only the member named in the test's title changed.
      const dir = await editedDump(scratch, NETLINK, { 'vdpa-netlink.json': json(change) });
      assertRefused(await runCli(['collect', '--from', dir]), { code: 'VDPA_OUTPUT_UNEXPECTED', file: join(dir, 'vdpa-netlink.json'), pointer });
    });
  }

  it('a vhostVdpa.name in sysfs.json that is not a string', async () => {
    // sysfs.json: vdpa0's vhostVdpa.name "vhost-vdpa-0" replaced by an object with a "toString" key
    // (building "/dev/<name>" from it threw "Cannot convert object to primitive value").
    const dir = await editedDump(scratch, THREE, { 'sysfs.json': json((doc) => ((doc.devices.vdpa0.vhostVdpa.name = { toString: 0 }), doc)) });
    assertRefused(await runCli(['collect', '--from', dir]), { code: 'VDPA_OUTPUT_UNEXPECTED', file: join(dir, 'sysfs.json'), pointer: '/devices/vdpa0/vhostVdpa/name' });
  });

  it('control characters in names: refused where they are read, naming the file and field (issue 8.9)', async () => {
    // A device name with an OSC title sequence in `vdpa -j dev show`, a driver with an ESC in sysfs.json,
    // a host name that forges a report line: each would otherwise reach the profile, which refuses them.
    const cases = [
      [THREE, 'vdpa-dev-show.json', (text: string) => text.replace('"vdpa0":', '"vd\\u001b]0;x\\u0007pa0":'), '/dev/vd\\x1b]0;x\\x07pa0'],
      [THREE, 'sysfs.json', json((doc) => ((doc.devices.vdpa0.driver = 'vhost_vdpa\u001b[2J'), doc)), '/devices/vdpa0/driver'],
    ] as const;
    for (const [base, file, edit, pointer] of cases) {
      const dir = await editedDump(scratch, base, { [file]: edit });
      assertRefused(await runCli(['collect', '--from', dir]), { code: 'VDPA_OUTPUT_UNEXPECTED', file: join(dir, file), pointer });
    }
    const dir = await editedDump(scratch, THREE, { 'hostname.txt': () => 'h\u001b[1mverdict: COMPATIBLE\n' });
    assertRefused(await runCli(['collect', '--from', dir]), { code: 'VDPA_OUTPUT_UNEXPECTED', file: join(dir, 'hostname.txt') });
  });

  it('an object "rc" in the per-device config file', async () => {
    // vdpa-dev-config-show-per-device.json: blk's rc 1 replaced by an object with a "toString" key, and its
    // stderr emptied, so the reason falls back to "exit status <rc>" (which threw).
    const dir = await editedDump(scratch, TOOL61, {
      'vdpa-dev-config-show-per-device.json': json((doc) => ((doc.blk.rc = { toString: 0 }), (doc.blk.stderr = ''), doc)),
    });
    assertRefused(await runCli(['collect', '--from', dir]), { code: 'VDPA_OUTPUT_UNEXPECTED', file: join(dir, 'vdpa-dev-config-show-per-device.json'), pointer: '/blk/rc' });
  });

  it('a 300-character -o name', async () => {
    const name = join(scratch, `${'p'.repeat(300)}.json`);
    assertRefused(await runCli(['collect', '--from', THREE, '-o', name]), { code: 'OUTPUT_FAILED', file: `cannot write ${name}` });
    await assertNoEntry(scratch, 'ppppp');
  });

  it('a 300-character --save-raw name (and its cleanup does not throw again)', async () => {
    const name = join(scratch, 'd'.repeat(300));
    const r = await runCli(['collect', '--from', THREE, '--save-raw', name]);
    assertRefused(r, { code: 'OUTPUT_FAILED' });
    assert.match(r.stderr, /name too long/);
    await assertNoEntry(scratch, 'ddddd');
  });
});
