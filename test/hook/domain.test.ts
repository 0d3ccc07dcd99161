import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { InputError } from '../../src/errors.js';
import { buildAnnotation } from '../../src/hook/annotation.js';
import { parseAnnotationXml, parseDomainXml } from '../../src/hook/domain.js';
import { ANNOTATION_NS } from '../../src/hook/namespace.js';
import { dumpPath, repoPath } from '../helpers/paths.js';

const domainXml = (name: string) => readFile(repoPath(`test/fixtures/libvirt/${name}.xml`), 'utf8');
const sourceProfile = async () => (await collect({ from: dumpPath('profiles/vdpasim/k6.12-vhost') })).profile;

/** Our element (any form) placed in the domain's <metadata>, as the XML would then read. */
const inMetadata = (xml: string, element: string) => xml.replace('<resource>', `<metadata>${element}</metadata><resource>`);

describe('parseDomainXml', () => {
  it('finds vdpa interfaces and vhostvdpa disks with their char devices, and nothing else', async () => {
    const both = parseDomainXml(await domainXml('vm-vdpa-interface-and-disk'), 'both.xml');
    assert.deepEqual(both.devices, [
      { kind: 'interface', key: '52:54:00:6d:90:02', charDev: '/dev/vhost-vdpa-0' },
      { kind: 'disk', key: 'vdg', charDev: '/dev/vhost-vdpa-1' },
    ]);
    assert.equal(both.annotation, null);
    assert.deepEqual(parseDomainXml(await domainXml('vm-no-vdpa'), 'plain.xml').devices, []);
  });

  it('reads our element as libvirt 9.0 dumps it after virsh metadata --set: every element re-prefixed', async () => {
    const info = parseDomainXml(await domainXml('annotated/vm-vdpa-interface'), 'annotated.xml');
    assert.equal(info.annotation?.length, 1);
    const [device] = info.annotation ?? [];
    assert.equal(device?.kind, 'interface');
    assert.equal(device?.key, '52:54:00:6d:90:02');
    assert.match(device?.fingerprint ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(JSON.parse(device?.profile ?? '{}').kind, 'vdpa-compat/host-profile');
  });

  it('finds our element by namespace URI, whatever the prefix, and ignores other namespaces', async () => {
    const xml = await domainXml('vm-vdpa-interface');
    const element = (open: string, close: string) => `${open}<device kind="interface" mac="52:54:00:6D:90:02">{}</device>${close}`;
    const forms = {
      'default namespace': element(`<source-profiles xmlns="${ANNOTATION_NS}">`, '</source-profiles>'),
      'another prefix, children unprefixed': element(`<x:source-profiles xmlns:x="${ANNOTATION_NS}">`, '</x:source-profiles>'),
    };
    for (const [form, meta] of Object.entries(forms)) {
      assert.deepEqual(parseDomainXml(inMetadata(xml, meta), form).annotation, [{ kind: 'interface', key: '52:54:00:6d:90:02', fingerprint: null, profile: '{}' }], form);
    }
    const foreign = element('<x:source-profiles xmlns:x="https://example.org/other">', '</x:source-profiles>');
    assert.equal(parseDomainXml(inMetadata(xml, foreign), 'foreign').annotation, null);
    // Without a namespace, inside a domain, the element could be anybody's.
    assert.equal(parseDomainXml(inMetadata(xml, element('<source-profiles>', '</source-profiles>')), 'bare').annotation, null);
  });

  it('refuses a DOCTYPE, XML that is not well-formed, and a root that is not <domain>', () => {
    const code = (xml: string) => {
      try {
        parseDomainXml(xml, 'in.xml');
      } catch (error) {
        assert.ok(error instanceof InputError);
        return error.code;
      }
      return 'parsed';
    };
    assert.equal(code('<!DOCTYPE domain [<!ENTITY a "a">]><domain/>'), 'INPUT_NOT_PROFILE');
    assert.equal(code('<domain><devices>'), 'PROFILE_PARSE');
    assert.equal(code('<network><name>x</name></network>'), 'INPUT_NOT_PROFILE');
  });
});

describe('buildAnnotation and parseAnnotationXml', () => {
  it('round-trips, in the plain form (virsh metadata --set) and the namespaced one (by hand)', async () => {
    const xml = await domainXml('vm-vdpa-interface-and-disk');
    const profile = await sourceProfile();
    const plain = buildAnnotation(parseDomainXml(xml, 'in.xml'), profile, 'here');
    const namespaced = buildAnnotation(parseDomainXml(xml, 'in.xml'), profile, 'here', { namespaced: true });
    assert.doesNotMatch(plain, /xmlns/);
    for (const element of [plain, namespaced]) {
      const devices = parseAnnotationXml(element, 'file.xml');
      assert.deepEqual(devices.map((d) => [d.kind, d.key]), [['interface', '52:54:00:6d:90:02'], ['disk', 'vdg']]);
      // Each device carries only its own device and parent: a compact profile.
      assert.deepEqual(devices.map((d) => JSON.parse(d.profile).devices.length), [1, 1]);
    }
    // Pasted into the domain, the namespaced form is found; the plain one needs libvirt to add the namespace.
    assert.equal(parseDomainXml(inMetadata(xml, namespaced), 'pasted').annotation?.length, 2);
  });

  it('says which device has no vdpa device behind it, and refuses a domain without vdpa devices', async () => {
    const profile = await sourceProfile();
    const moved = (await domainXml('vm-vdpa-interface')).replace('/dev/vhost-vdpa-0', '/dev/vhost-vdpa-7');
    assert.throws(() => buildAnnotation(parseDomainXml(moved, 'in.xml'), profile, 'here'), /interface 52:54:00:6d:90:02 uses \/dev\/vhost-vdpa-7, which no vdpa device of the profile is bound to/);
    assert.throws(() => buildAnnotation(parseDomainXml(inMetadata('<domain><resource/></domain>', ''), 'in.xml'), profile, 'here'), /has no <interface type='vdpa'>/);
  });

  it('refuses a file without our element', () => {
    assert.throws(() => parseAnnotationXml('<metadata><other/></metadata>', 'file.xml'), /file\.xml: no <source-profiles> element/);
  });
});
