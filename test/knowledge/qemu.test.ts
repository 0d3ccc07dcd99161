import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { load, JSON_SCHEMA } from 'js-yaml';
import satisfies from 'semver/functions/satisfies.js';
import { decide, QEMU_RELEASES, qemuView, releaseList } from '../../src/knowledge/qemu.js';
import { featureBit } from '../../src/profile/feature-bits.js';
import { parseKernelRelease, parseQemuVersion } from '../../src/profile/software-versions.js';
import { deviceControlledMask, svqAllowedMask } from '../../src/rules/vmm.js';
import { repoPath } from '../helpers/paths.js';

// The QEMU knowledge pack (packs/qemu.yaml) as the rules see it, held against what was read in
// real QEMU trees: every name resolves, every fact cites its source, the releases do not overlap,
// and the sets are the masks read in 5.2.0, 7.2.22, 10.0.2/10.0.13/10.2.2 (net/vhost-vdpa.c).
const byId = (id: string) => {
  const release = QEMU_RELEASES.find((r) => r.id === id);
  assert.ok(release, id);
  return release;
};

describe('packs/qemu.yaml', () => {
  it('names only features vdpa-compat knows, and every fact cites where it was read', () => {
    const pack = load(readFileSync(repoPath('packs/qemu.yaml'), 'utf8'), { schema: JSON_SCHEMA }) as { sets: Record<string, string[]> };
    for (const [name, list] of Object.entries(pack.sets)) for (const feature of list) assert.notEqual(featureBit(feature, 'net'), undefined, `${name}: ${feature}`);
    for (const release of QEMU_RELEASES) {
      for (const [key, fact] of Object.entries(release.facts)) assert.ok(fact.source.length >= 10, `${release.id} ${key}`);
      assert.equal(
        release.basis === 'read',
        Object.values(release.facts).some((f) => f.verified),
        release.id,
      );
    }
  });

  it('holds the masks read in real QEMU trees', () => {
    assert.equal(deviceControlledMask(byId('5.2')), 0x73921ffcbn, '5.2.0 vdpa_feature_bits');
    assert.equal(deviceControlledMask(byId('7.2')), 0x1200010739ffffcfn, '7.2.22 vdpa_feature_bits');
    for (const id of ['10.0.0–10.0.12', '10.0.13+', '10.2.0–10.2.2']) assert.equal(deviceControlledMask(byId(id)), 0x33c0014f39dfffcfn, `${id} vdpa_feature_bits`);
    // SVQ: 7.2.22's device set, and the transport rules (28..41 inclusive; EVENT_IDX allowed; VERSION_1, ACCESS_PLATFORM required).
    const svq72 = byId('7.2').facts.svq.value;
    assert.ok(svq72);
    assert.equal(svqAllowedMask(svq72), 0x6000000008c3ffabn | (1n << 29n) | (1n << 32n) | (1n << 33n));
    const svq10 = byId('10.0.13+').facts.svq.value;
    assert.ok(svq10);
    // INDIRECT_DESC (28), RING_PACKED (34), RING_RESET (40) and GUEST_ANNOUNCE (21) refused by every shadow virtqueue.
    for (const release of QEMU_RELEASES) {
      const rules = release.facts.svq.value;
      if (rules === null) continue;
      for (const bit of [21, 28, 34, 40]) assert.equal(svqAllowedMask(rules) & (1n << BigInt(bit)), 0n, `${release.id} bit ${bit}`);
    }
  });

  it('covers each version with at most one release, and the releases read', () => {
    for (const version of ['5.2.0', '7.2.22', '8.0.0', '8.1.5', '8.2.0', '9.0.3', '9.2.4', '10.0.2', '10.0.12', '10.0.13', '10.1.1', '10.2.2']) {
      assert.equal(QEMU_RELEASES.filter((r) => satisfies(version, r.versions)).length, 1, version);
    }
    for (const version of ['4.2.0', '6.2.0', '7.1.0', '10.2.3', '11.1.0']) assert.equal(QEMU_RELEASES.filter((r) => satisfies(version, r.versions)).length, 0, version);
  });

  it('knows the 10.0.13 ring change only in 10.0.13 and later 10.0.x, and not knowing 10.1 says so', () => {
    assert.deepEqual(
      QEMU_RELEASES.map((r) => [r.id, r.facts.ringForced.value]).filter(([, v]) => v !== null),
      [
        ['10.0.13+', 1024],
        ['10.1', 'unknown'],
      ],
    );
  });
});

describe('qemuView and decide', () => {
  it('reads versions as QEMU prints them, and treats a build that backports as unknown', () => {
    assert.deepEqual(
      qemuView('QEMU emulator version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)', 'x').candidates.map((r) => r.id),
      ['10.0.13+'],
    );
    assert.deepEqual(
      qemuView('8.1.0', 'x').candidates.map((r) => r.id),
      ['8.1'],
    );
    const rhel = qemuView('QEMU emulator version 8.0.0 (qemu-kvm-8.0.0-16.el9_3)', 'x');
    assert.equal(rhel.candidates.length, QEMU_RELEASES.length);
    assert.match(rhel.why ?? '', /backports/);
    assert.equal(qemuView('11.1.0', 'x').candidates.length, QEMU_RELEASES.length);
    assert.equal(qemuView(null, null).candidates.length, QEMU_RELEASES.length);
  });

  it('agrees when every candidate does, and lists the releases of each answer otherwise', () => {
    const unknown = qemuView(null, null);
    const indirect = decide(unknown, (r) => r.facts.svq.value === null || (svqAllowedMask(r.facts.svq.value) & (1n << 28n)) === 0n);
    assert.equal(indirect.agreed, true);
    const cvq = decide(unknown, (r) => r.facts.cvqBlocker.value);
    assert.ok(!cvq.agreed);
    assert.deepEqual(
      cvq.outcomes.map((o) => [o.value, releaseList(o.releases)]),
      [
        ['never', '5.2, 7.2 and 8.2 and later'],
        ['ctrl-vq-without-x-svq', '8.0 to 8.1'],
      ],
    );
  });

  it('parses kernel releases, knowing when the stable patch level is hidden', () => {
    assert.deepEqual(parseKernelRelease('6.12.117+deb13-amd64'), { release: '6.12.117+deb13-amd64', version: '6.12.117', patchKnown: true });
    assert.deepEqual(parseKernelRelease('6.1.0-56-amd64'), { release: '6.1.0-56-amd64', version: '6.1.0', patchKnown: false });
    assert.equal(parseQemuVersion('no version here'), null);
  });
});
