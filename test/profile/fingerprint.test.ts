import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { canonicalJson, deviceFingerprint } from '../../src/profile/fingerprint.js';
import type { DeviceDoc } from '../../src/profile/types.js';
import { dumpPath } from '../helpers/paths.js';

const devices = async (dump: string) => (await collect({ from: dumpPath(dump) })).profile.devices;

/** The same object with keys in reverse order at every level. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reversed(v)]),
    );
  return value;
}

describe('fingerprint', () => {
  it('is the same for the same device on another host, under another name, in another field order', async () => {
    const [a] = await devices('profiles/vp_vdpa/k6.12-A-negotiated');
    const other = reversed({ ...a!, name: 'vdpa7', mgmtdev: 'pci/0000:81:00.2', charDev: '/dev/vhost-vdpa-3', driver: 'vhost_vdpa', config: { ...a!.config, mac: '52:54:00:12:34:56' } }) as DeviceDoc;
    other.features.negotiated = null;
    assert.equal(deviceFingerprint(other), deviceFingerprint(a!));
  });

  it('differs when what a guest sees differs (MTU, queue pairs, offered features)', async () => {
    const three = await devices('profiles/vp_vdpa/k6.12-three-vhost');
    const prints = new Set(three.map(deviceFingerprint));
    assert.equal(prints.size, 3);
    const [a] = three;
    assert.notEqual(deviceFingerprint({ ...a!, config: { ...a!.config, mtu: 1500 } }), deviceFingerprint(a!));
  });

  it('is stored in profiles and matches the content', async () => {
    for (const d of await devices('profiles/vdpasim/k6.12-vhost')) assert.equal(d.fingerprint, deviceFingerprint(d));
  });

  it('ignores hex spelling of masks', async () => {
    const [a] = await devices('profiles/vdpasim/k6.12-mtu9000');
    const short = structuredClone(a!);
    short.features.offered.present.bits = `0x${BigInt(short.features.offered.present.bits).toString(16).toUpperCase()}`;
    assert.equal(deviceFingerprint(short), deviceFingerprint(a!));
  });

  it('canonical JSON sorts keys and drops undefined', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] }), '{"a":[{"d":2}],"b":1}');
  });
});
