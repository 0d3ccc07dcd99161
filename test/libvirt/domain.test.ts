import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { InputError } from '../../src/errors.js';
import { buildAnnotation } from '../../src/libvirt/annotation.js';
import { parseAnnotationXml, parseDomainXml } from '../../src/libvirt/domain.js';
import { ANNOTATION_NS } from '../../src/libvirt/namespace.js';
import { dumpPath, repoPath } from '../helpers/paths.js';

const domainXml = (name: string) => readFile(repoPath(`test/fixtures/libvirt/${name}.xml`), 'utf8');
const sourceProfile = async () => (await collect({ from: dumpPath('profiles/vdpasim/k6.12-vhost') })).profile;

/** Our element (any form) placed in the domain's <metadata>, as the XML would then read. */
const inMetadata = (xml: string, element: string) => xml.replace('<resource>', `<metadata>${element}</metadata><resource>`);

describe('parseDomainXml', () => {
  it('finds vdpa interfaces and vhostvdpa disks with their char devices, and nothing else', async () => {
    const both = parseDomainXml(await domainXml('vm-vdpa-interface-and-disk'), 'both.xml');
    assert.deepEqual(
      both.devices.map((d) => [d.kind, d.key, d.charDev, d.model]),
      [
        ['interface', '52:54:00:6d:90:02', '/dev/vhost-vdpa-0', 'virtio'],
        ['disk', 'vdg', '/dev/vhost-vdpa-1', null],
      ],
    );
    assert.deepEqual(both.vmm, { emulator: '/usr/bin/qemu-system-x86_64', xSvq: false });
    assert.deepEqual(both.unchecked, []);
    assert.equal(both.annotation, null);
    assert.deepEqual(parseDomainXml(await domainXml('vm-no-vdpa'), 'plain.xml').devices, []);
  });

  it('reads our element as libvirt 9.0 dumps it after virsh metadata --set: every element re-prefixed', async () => {
    const info = parseDomainXml(await domainXml('annotated/vm-vdpa-interface'), 'annotated.xml');
    assert.equal(info.annotation?.devices.length, 1);
    const [device] = info.annotation?.devices ?? [];
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
      assert.deepEqual(
        parseDomainXml(inMetadata(xml, meta), form).annotation?.devices,
        [{ kind: 'interface', key: '52:54:00:6d:90:02', fingerprint: null, profile: '{}', rxQueueSize: null, txQueueSize: null, hostMtu: null, model: null }],
        form,
      );
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
    assert.equal(code('<!DOCTYPE domain [<!ENTITY a "a">]><domain/>'), 'XML_REFUSED');
    assert.equal(code('<domain><devices>'), 'XML_INVALID');
    assert.equal(code('<domain><name>a&nbsp;b</name></domain>'), 'XML_INVALID');
    assert.equal(code('<network><name>x</name></network>'), 'DOMAIN_XML_INVALID');
  });
});

describe('parseDomainXml sees the domain as libvirt does', () => {
  const iface = (type: string, mac = '52:54:00:00:00:01', dev = '/dev/vhost-vdpa-3') => `<interface type='${type}'><mac address='${mac}'/><source dev='${dev}'/></interface>`;
  const keys = (xml: string) => parseDomainXml(xml, 'in.xml').devices.map((d) => `${d.kind} ${d.key} ${d.charDev}`);

  it('decodes character references in attributes, as libvirt (libxml2) does', () => {
    for (const type of ['vd&#112;a', 'v&#x64;pa', '&#118;&#100;&#112;&#97;', 'vdp&#x0061;']) {
      assert.deepEqual(keys(`<domain><devices>${iface(type)}</devices></domain>`), ['interface 52:54:00:00:00:01 /dev/vhost-vdpa-3'], type);
    }
    assert.deepEqual(keys(`<domain><devices><disk type='vhost&#118;dpa'><source dev='/dev/vhost-vdpa-4'/><target dev='vdb'/></disk></devices></domain>`), ['disk vdb /dev/vhost-vdpa-4']);
  });

  it('reads every <devices> element, not only the first', () => {
    const xml = `<domain><devices><emulator>/usr/bin/qemu-system-x86_64</emulator>${iface('network')}</devices><devices>${iface('vdpa', '52:54:00:00:00:02')}</devices></domain>`;
    assert.deepEqual(keys(xml), ['interface 52:54:00:00:00:02 /dev/vhost-vdpa-3']);
  });

  it('reads interfaces and disks by local name, in any namespace, and refuses an attribute given twice', () => {
    assert.deepEqual(keys(`<domain xmlns:x="urn:x"><devices><x:interface type='vdpa'><mac address='52:54:00:00:00:03'/></x:interface></devices></domain>`), ['interface 52:54:00:00:00:03 null']);
    assert.throws(
      () => keys(`<domain xmlns:x="urn:x"><devices><interface type='network' x:type='vdpa'><mac address='52:54:00:00:00:04'/></interface></devices></domain>`),
      (e: unknown) => e instanceof InputError && e.code === 'XML_REFUSED',
    );
  });

  it('refuses a near-miss type, two devices under one MAC, and a vDPA interface without a MAC', () => {
    const refused = (xml: string) =>
      assert.throws(
        () => keys(xml),
        (e: unknown) => e instanceof InputError && e.code === 'DOMAIN_XML_INVALID',
        xml,
      );
    refused(`<domain><devices>${iface('vdpa ')}</devices></domain>`);
    refused(`<domain><devices>${iface('VDPA')}</devices></domain>`);
    refused(`<domain><devices>${iface('vdpa', '52:54:00:00:00:01', '/dev/vhost-vdpa-1')}${iface('vdpa', '52:54:00:00:00:01', '/dev/vhost-vdpa-2')}</devices></domain>`);
    refused(`<domain><devices><interface type='vdpa'><source dev='/dev/vhost-vdpa-1'/></interface></devices></domain>`);
    // The same device listed twice is one device.
    assert.deepEqual(keys(`<domain><devices>${iface('vdpa')}</devices><devices>${iface('vdpa')}</devices></domain>`), ['interface 52:54:00:00:00:01 /dev/vhost-vdpa-3']);
  });

  it('lists vDPA on the QEMU command line as unchecked, and reads x-svq there', () => {
    const q = 'http://libvirt.org/schemas/domain/qemu/1.0';
    const info = parseDomainXml(`<domain xmlns:qemu='${q}'><devices/><qemu:commandline><qemu:arg value='-netdev'/><qemu:arg value='vhost-vdpa,vhostdev=/dev/vhost-vdpa-0,id=n1,x-svq=on'/></qemu:commandline></domain>`, 'in.xml');
    assert.equal(info.unchecked.length, 1);
    assert.equal(info.vmm.xSvq, true);
    const set = parseDomainXml(`<domain xmlns:qemu='${q}'><devices/><qemu:commandline><qemu:arg value='-set'/><qemu:arg value='netdev.hostnet0.x-svq=on'/></qemu:commandline></domain>`, 'in.xml');
    assert.deepEqual([set.unchecked, set.vmm.xSvq], [[], true]);
  });

  it("reads host_mtu and ring sizes from <qemu:override> of the interface's alias (libvirt refuses <mtu> on a vdpa interface)", () => {
    const q = 'http://libvirt.org/schemas/domain/qemu/1.0';
    const xml =
      `<domain xmlns:qemu='${q}'><devices><interface type='vdpa'><mac address='52:54:00:00:00:01'/><source dev='/dev/vhost-vdpa-0'/><driver rx_queue_size='512'/><alias name='ua-net0'/></interface></devices>` +
      `<qemu:override><qemu:device alias='ua-net0'><qemu:frontend><qemu:property name='host_mtu' type='unsigned' value='9000'/><qemu:property name='tx_queue_size' type='unsigned' value='1024'/></qemu:frontend></qemu:device></qemu:override></domain>`;
    const [device] = parseDomainXml(xml, 'in.xml').devices;
    assert.deepEqual([device?.hostMtu, device?.rxQueueSize, device?.txQueueSize], [9000, 512, 1024]);
  });

  it('caps depth and element count before building anything', () => {
    assert.throws(
      () => parseDomainXml(`<domain>${'<a>'.repeat(100)}${'</a>'.repeat(100)}</domain>`, 'deep.xml'),
      (e: unknown) => e instanceof InputError && e.code === 'XML_REFUSED',
    );
    assert.throws(
      () => parseDomainXml(`<domain>${'<a/>'.repeat(100_001)}</domain>`, 'wide.xml'),
      (e: unknown) => e instanceof InputError && e.code === 'XML_REFUSED',
    );
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
      const { devices } = parseAnnotationXml(element, 'file.xml');
      assert.deepEqual(
        devices.map((d) => [d.kind, d.key]),
        [
          ['interface', '52:54:00:6d:90:02'],
          ['disk', 'vdg'],
        ],
      );
      // Each device carries only its own device and parent: a compact profile.
      assert.deepEqual(
        devices.map((d) => JSON.parse(d.profile).devices.length),
        [1, 1],
      );
    }
    // Pasted into the domain, the namespaced form is found; the plain one needs libvirt to add the namespace.
    assert.equal(parseDomainXml(inMetadata(xml, namespaced), 'pasted').annotation?.devices.length, 2);
  });

  it('says which device has no vdpa device behind it, and writes an empty element for a domain without vdpa devices', async () => {
    const profile = await sourceProfile();
    const moved = (await domainXml('vm-vdpa-interface')).replace('/dev/vhost-vdpa-0', '/dev/vhost-vdpa-7');
    assert.throws(() => buildAnnotation(parseDomainXml(moved, 'in.xml'), profile, 'here'), /interface 52:54:00:6d:90:02 uses \/dev\/vhost-vdpa-7, which no vdpa device of the profile is bound to/);
    // A domain without vDPA devices gets an empty element (the virsh one-liner must not fail for it).
    assert.match(buildAnnotation(parseDomainXml('<domain><resource/></domain>', 'in.xml'), null, 'here'), /^<source-profiles generator="vdpa-compat [^"]+" ?\/>\n$/);
  });

  it('refuses a file without our element', () => {
    assert.throws(() => parseAnnotationXml('<metadata><other/></metadata>', 'file.xml'), /file\.xml: no <source-profiles> element/);
  });
});
