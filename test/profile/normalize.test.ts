import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { UsageError } from '../../src/errors.js';
import { NET, TRANSPORT, bitMask } from '../../src/profile/feature-bits.js';
import { profileSchemaProblems } from '../../src/profile/schema.js';
import { consistencyProblems } from '../../src/profile/load.js';
import { dumpPath } from '../helpers/paths.js';

const profile = async (dump: string, device?: string) => (await collect({ from: dumpPath(dump), ...(device ? { device } : {}) })).profile;
const has = (bits: string, bit: number) => (BigInt(bits) & bitMask(bit)) !== 0n;

describe('normalize', () => {
  it('builds a schema-valid, self-consistent profile from every sample and test dump', async () => {
    for (const dump of [
      'profiles/vdpasim/k6.12-negotiated',
      'profiles/vdpasim/k6.12-vhost',
      'profiles/vdpasim/k6.12-no-mtu',
      'profiles/vdpasim/k6.12-mtu9000',
      'profiles/vp_vdpa/k6.12-A-negotiated',
      'profiles/vp_vdpa/k6.12-three-vhost',
      'k6.1-config-dump-stops-at-blk',
      'k6.1-negotiated',
      'k6.1-default-unbound',
      'k6.12-virtio-bound',
      'vp-k6.1-three-vhost',
      'vp-k6.12-B-negotiated',
    ]) {
      const p = await profile(dump);
      assert.deepEqual(await profileSchemaProblems(p), [], dump);
      assert.deepEqual(consistencyProblems(p), [], dump);
    }
  });

  it('keeps the three feature sets apart (vp_vdpa parent A negotiated by virtio_net)', async () => {
    const [a] = (await profile('profiles/vp_vdpa/k6.12-A-negotiated')).devices;
    assert.ok(a);
    const { negotiated, offered, provisionable } = a.features;
    assert.ok(negotiated && has(negotiated.bits, NET.MQ) && has(negotiated.bits, NET.RSS));
    assert.ok(!has(negotiated.bits, 40), 'virtio_net did not negotiate RING_RESET');
    assert.ok(provisionable && has(provisionable.bits, 40), 'the parent supports RING_RESET');
    assert.ok(has(offered.present.bits, NET.MQ));
    assert.ok(has(offered.absent.bits, TRANSPORT.ACCESS_PLATFORM), 'no vp_vdpa parent offers ACCESS_PLATFORM');
    assert.equal(a.config.maxVqPairs, 4);
    assert.equal(a.maxVqs, 9);
    assert.equal(a.driver, 'virtio_vdpa');
    assert.equal(a.charDev, null);
  });

  it('records binding, char device and PCI identity from sysfs', async () => {
    const p = await profile('profiles/vp_vdpa/k6.12-three-vhost');
    assert.deepEqual(
      p.devices.map((d) => [d.name, d.driver, d.charDev]),
      [
        ['vdpa0', 'vhost_vdpa', '/dev/vhost-vdpa-0'],
        ['vdpa1', 'vhost_vdpa', '/dev/vhost-vdpa-1'],
        ['vdpa2', 'vhost_vdpa', '/dev/vhost-vdpa-2'],
      ],
    );
    const c = p.mgmtdevs.find((m) => m.handle === 'pci/0000:00:07.0');
    assert.equal(c?.driver, 'vp-vdpa');
    assert.equal(c?.pci?.device, '0x1000');
  });

  it('marks config and negotiated features unknown when the 6.1 config dump stopped at a block device', async () => {
    const p = await profile('k6.1-config-dump-stops-at-blk');
    for (const d of p.devices) {
      assert.deepEqual(d.config, { mac: null, mtu: null, maxVqPairs: null, linkUp: null, announce: null });
      assert.match(d.unknown.find((u) => u.fact === '/config')?.reason ?? '', /block device/);
      assert.ok(d.unknown.some((u) => u.fact === '/features/negotiated'));
    }
  });

  it('treats an empty dev_features (vdpasim_blk) as unreported, not as "supports nothing"', async () => {
    const p = await profile('profiles/vdpasim/k6.12-vhost');
    const blk = p.devices.find((d) => d.class === 'blk');
    assert.equal(blk?.features.provisionable, null);
    assert.equal(blk?.features.offered.absent.bits, '0x0000000000000000');
    assert.ok(blk?.unknown.some((u) => u.fact === '/features/provisionable'));
  });

  it('knows nothing was negotiated on an idle net device (no unknown entry)', async () => {
    const [d] = (await profile('k6.1-default-unbound')).devices;
    assert.equal(d?.features.negotiated, null);
    assert.ok(!d?.unknown.some((u) => u.fact === '/features/negotiated'));
    assert.equal(d?.driver, 'none');
  });

  it('keeps only the device asked for, and names the devices when it is not there', async () => {
    const p = await profile('profiles/vp_vdpa/k6.12-three-vhost', 'vdpa1');
    assert.deepEqual(
      p.devices.map((d) => d.name),
      ['vdpa1'],
    );
    assert.equal(p.mgmtdevs.length, 3);
    await assert.rejects(profile('profiles/vp_vdpa/k6.12-three-vhost', 'vdpa7'), (e: unknown) => e instanceof UsageError && e.code === 'UNKNOWN_DEVICE' && /vdpa0, vdpa1, vdpa2/.test(e.message));
  });
});
