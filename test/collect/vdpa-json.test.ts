import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseDevConfigShow, parseDevShow, parseMgmtdevShow, parseVdpaVersion } from '../../src/collect/vdpa-json.js';
import { InputError } from '../../src/errors.js';
import { NET, bitMask, featureNames, formatMask } from '../../src/profile/feature-bits.js';
import { capturePath } from '../helpers/paths.js';

const read = (cell: string, name: string) => readFileSync(capturePath(cell, name), 'utf8');

describe('vdpa mgmtdev show', () => {
  it('reads a vp_vdpa PCI parent exactly as the kernel reported its features (bare 40 included)', () => {
    // vp-k6.12-ip6.15/013-mgmtdev-show-C: parent C. The kernel printed this parent's
    // features itself in dmesg (699-dmesg-tail.txt): "device_features 0x10130bf8024".
    const dmesg = read('vp-k6.12-ip6.15', '699-dmesg-tail.txt');
    assert.match(dmesg, /vp-vdpa 0000:00:07\.0: .*device_features 0x10130bf8024 /);
    const [c] = parseMgmtdevShow(read('vp-k6.12-ip6.15', '013-mgmtdev-show-C.json.stdout'), 'C');
    assert.equal(c?.handle, 'pci/0000:00:07.0');
    assert.equal(c?.bus, 'pci');
    assert.equal(c?.name, '0000:00:07.0');
    assert.equal(c?.supportedFeatures, 0x10130bf8024n);
  });

  it('keeps the bare integer 40 (RING_RESET) that iproute2 puts in a list of names', () => {
    const text = read('vp-k6.12-ip6.15', '011-mgmtdev-show-A.json.stdout');
    assert.match(text, /"VERSION_1",40,"HASH_REPORT"/);
    const [a] = parseMgmtdevShow(text, 'A');
    assert.ok(a && (a.supportedFeatures! & bitMask(40)) !== 0n);
    assert.ok((a.supportedFeatures! & bitMask(NET.RSS)) !== 0n);
  });

  it('reads a bus-less parent and an empty dev_features', () => {
    const parents = parseMgmtdevShow(read('k6.1-ip6.1', '010-mgmtdev-show.json.stdout'), 'sim');
    const net = parents.find((p) => p.handle === 'vdpasim_net');
    const blk = parents.find((p) => p.handle === 'vdpasim_blk');
    assert.equal(net?.bus, null);
    assert.deepEqual(featureNames(net.supportedFeatures!, 'net'), ['MTU', 'MAC', 'CTRL_VQ', 'CTRL_MAC_ADDR', 'ANY_LAYOUT', 'VERSION_1', 'ACCESS_PLATFORM']);
    assert.equal(formatMask(net.supportedFeatures!), '0x0000000308820028');
    assert.equal(blk?.supportedFeatures, 0n);
    assert.deepEqual(blk?.classes, ['block']);
  });

  it('parses pretty (-jp) output the same as compact', () => {
    const compact = parseMgmtdevShow(read('vp-k6.1-ip6.1', '010-mgmtdev-show.json.stdout'), 'j');
    const pretty = parseMgmtdevShow(read('vp-k6.1-ip6.1', '010-mgmtdev-show.jsonp.stdout'), 'jp');
    assert.deepEqual(pretty, compact);
  });

  it('rejects a feature name it does not know, naming file and JSON pointer', () => {
    const text = '{"mgmtdev":{"pci/0000:00:05.0":{"supported_classes":["net"],"dev_features":["MTU","WARP_DRIVE"]}}}';
    assert.throws(
      () => parseMgmtdevShow(text, 'mgmt.json'),
      (e: unknown) => e instanceof InputError && e.code === 'UNKNOWN_FEATURE' && e.message.includes('mgmt.json') && e.message.includes('/mgmtdev/pci~10000:00:05.0/dev_features/1') && e.message.includes('WARP_DRIVE'),
    );
  });

  it('names net features only for net parents, as iproute2 does', () => {
    assert.throws(() => parseMgmtdevShow('{"mgmtdev":{"vdpasim_blk":{"supported_classes":["block"],"dev_features":["MTU"]}}}', 'blk'), /UNKNOWN_FEATURE|unknown/);
    const [blk] = parseMgmtdevShow('{"mgmtdev":{"vdpasim_blk":{"supported_classes":["block"],"dev_features":[1,2,"VERSION_1"]}}}', 'blk');
    assert.equal(blk?.supportedFeatures, 0x100000006n);
  });
});

describe('vdpa dev show', () => {
  it('reads type, parent, vendor id and queue numbers', () => {
    const devices = parseDevShow(read('vp-k6.12-ip6.15', '606-negot-A-default-again-dev-show.json.stdout'), 'dev');
    assert.deepEqual(devices, [{ name: 'vdpa0', type: 'network', mgmtdev: 'pci/0000:00:05.0', vendorId: 6900, maxVqs: 9, maxVqSize: 256 }]);
  });

  it('reads net and block devices together', () => {
    const devices = parseDevShow(read('k6.1-ip6.1', '076-net-and-blk-dev-show.json.stdout'), 'dev');
    assert.deepEqual(
      devices.map((d) => [d.name, d.type, d.maxVqs]),
      [
        ['vdpa1', 'block', 1],
        ['vdpa0', 'network', 3],
      ],
    );
  });
});

describe('vdpa dev config show', () => {
  it('reads the keys that end in a space ("link ", "link_announce ")', () => {
    const text = read('k6.12-ip6.15', '124-vhost-bound-config-show.json.stdout');
    assert.match(text, /"link ":"up","link_announce ":false/);
    const configs = parseDevConfigShow(text, 'cfg');
    assert.deepEqual(configs.get('vdpa0'), { mac: '00:11:22:33:44:55', linkUp: true, announce: false, mtu: 1500 });
    assert.deepEqual(configs.get('vdpa1'), {}, 'a block device prints {}');
  });

  it('also accepts the spelling without the trailing space', () => {
    const configs = parseDevConfigShow('{"config":{"vdpa0":{"link":"down","link_announce":true}}}', 'cfg');
    assert.deepEqual(configs.get('vdpa0'), { linkUp: false, announce: true });
  });

  it('reads negotiated features when a driver negotiated, and max_vq_pairs when MQ or RSS is offered', () => {
    const a = parseDevConfigShow(read('vp-k6.12-ip6.15', '606-negot-A-default-again-config-show.json.stdout'), 'cfg').get('vdpa0');
    assert.equal(a?.maxVqPairs, 4);
    assert.equal(a?.mtu, 9000);
    assert.ok(a?.negotiated !== undefined && (a.negotiated & bitMask(NET.MQ)) !== 0n);
  });

  it('has no negotiated features and no max_vq_pairs on an idle single-queue device', () => {
    const c = parseDevConfigShow(read('vp-k6.12-ip6.15', '403-C-default-config-show.json.stdout'), 'cfg').get('vdpa0');
    assert.deepEqual(c, { mac: '52:54:00:00:0c:01', linkUp: true, announce: false });
  });

  it('reads an entry with no keys at all (device provisioned with device_features 0)', () => {
    assert.deepEqual(parseDevConfigShow(read('vp-k6.12-ip6.15', '234-A-devfeat-zero-config-show.json.stdout'), 'cfg').get('vdpa0'), {});
  });

  it('reads the empty skeleton a failed or truncated dump prints', () => {
    assert.equal(parseDevConfigShow(read('k6.1-ip6.1', '077-net-and-blk-config-show.json.stdout'), 'cfg').size, 0);
  });

  it('rejects truncated output, naming the file and the command to re-run', () => {
    const full = read('k6.12-ip6.15', '124-vhost-bound-config-show.json.stdout');
    assert.throws(
      () => parseDevConfigShow(full.slice(0, 40), 'dump/vdpa-dev-config-show.json'),
      (e: unknown) => e instanceof InputError && e.code === 'VDPA_JSON_INVALID' && e.message.startsWith('dump/vdpa-dev-config-show.json') && /vdpa -j dev config show/.test(e.hint ?? ''),
    );
  });

  it('rejects plain-text output given where JSON is expected', () => {
    const plain = read('k6.12-ip6.15', '010-mgmtdev-show.plain.stdout');
    assert.match(plain, /^vdpasim_net:/);
    assert.throws(
      () => parseMgmtdevShow(plain, 'mgmt.txt'),
      (e: unknown) => e instanceof InputError && e.code === 'VDPA_JSON_INVALID',
    );
  });

  it('rejects output of another command', () => {
    assert.throws(
      () => parseDevShow(read('k6.12-ip6.15', '010-mgmtdev-show.json.stdout'), 'dev.json'),
      (e: unknown) => e instanceof InputError && e.code === 'VDPA_OUTPUT_UNEXPECTED' && /"dev"/.test(e.message),
    );
  });

  it('rejects a malformed MAC with its pointer', () => {
    assert.throws(() => parseDevConfigShow('{"config":{"vdpa0":{"mac":"zz:11"}}}', 'c.json'), /\/config\/vdpa0\/mac/);
  });
});

describe('vdpa -V', () => {
  it('reads the iproute2 version of both captured builds', () => {
    assert.equal(parseVdpaVersion(read('k6.1-ip6.1', '000-versions.txt')), '6.1.0');
    assert.equal(parseVdpaVersion(read('k6.12-ip6.15', '000-versions.txt')), '6.15.0');
    assert.equal(parseVdpaVersion('something else'), null);
  });
});
