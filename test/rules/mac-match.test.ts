import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unknownReason } from '../../src/profile/facts.js';
import { NET, TRANSPORT } from '../../src/profile/feature-bits.js';
import { macMatch } from '../../src/rules/builtin/mac-match.js';
import { device, edits } from '../helpers/devices.js';
import { codes, run } from '../helpers/rules.js';

// Real devices: a 6.12 simulator negotiated by virtio_net (CTRL_MAC_ADDR
// negotiated, mac 00:00:00:00:00:00), an idle vhost-bound simulator with mac
// 00:11:22:33:44:55, idle simulators with mac 00:00:00:00:00:00, vp_vdpa
// devices with distinct MACs per parent (A 52:54:00:00:0a:01, B ...0b:01,
// C ...0c:01), and a 6.1 dump whose config (so the MAC) is unknown.
// Every captured device offers CTRL_MAC_ADDR or leaves it unknown, and every
// captured negotiation includes it; the cases that need it known absent or not
// negotiated, or F_MAC out of play, are edits.
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const VHOST = 'profiles/vdpasim/k6.12-vhost';
const MTU9000 = 'profiles/vdpasim/k6.12-mtu9000';
const NO_MTU = 'profiles/vdpasim/k6.12-no-mtu';
const VP_A_NEGOTIATED = 'profiles/vp_vdpa/k6.12-A-negotiated';
const VP_THREE = 'profiles/vp_vdpa/k6.12-three-vhost';
const K61_CONFIG_STOPS = 'k6.1-config-dump-stops-at-blk';

/** What virtio_net negotiated on the simulator, without CTRL_MAC_ADDR. */
const WITHOUT_CTRL_MAC_ADDR = [NET.MTU, NET.MAC, NET.STATUS, NET.CTRL_VQ, TRANSPORT.VERSION_1, TRANSPORT.ACCESS_PLATFORM];

describe('mac-match', () => {
  describe('valid', () => {
    it('passes idle devices with the same MAC', async () => {
      assert.deepEqual(codes(run(macMatch, await device(MTU9000), await device(NO_MTU))), []);
    });
    it('passes the same vp_vdpa parent with the same MAC', async () => {
      assert.deepEqual(codes(run(macMatch, await device(VP_THREE, 'vdpa0'), await device(VP_A_NEGOTIATED))), []);
    });
    it('passes a guest without CTRL_MAC_ADDR when the target has the source MAC', async () => {
      // Edit: no captured guest left CTRL_MAC_ADDR out.
      const source = await device(NEGOTIATED, 'vdpa0', (d) => edits.negotiated(d, WITHOUT_CTRL_MAC_ADDR));
      assert.deepEqual(codes(run(macMatch, source, await device(NO_MTU))), []);
    });
    it('only notes that QEMU replays the MAC when CTRL_MAC_ADDR was negotiated, even if the MACs differ', async () => {
      const findings = run(macMatch, await device(NEGOTIATED), await device(VHOST));
      assert.deepEqual(codes(findings), ['mac-match/replayed']);
      assert.equal(findings[0]?.severity, 'info');
      assert.equal(findings[0]?.path, '/features/negotiated');
      assert.equal(findings[0]?.source, 'CTRL_MAC_ADDR');
    });
    it('only notes that F_MAC is not in play when the guest did not negotiate it', async () => {
      // Edit: every captured device offers F_MAC; this source neither negotiated it nor shows a MAC.
      const source = await device(NEGOTIATED, 'vdpa0', (d) => {
        edits.negotiated(d, [NET.MTU, TRANSPORT.VERSION_1, TRANSPORT.ACCESS_PLATFORM]);
        d.config.mac = null;
        edits.withhold(d, NET.MAC);
      });
      const findings = run(macMatch, source, await device(VHOST));
      assert.deepEqual(codes(findings), ['mac-match/notInPlay']);
      assert.equal(findings[0]?.severity, 'info');
      assert.equal(findings[0]?.path, '/features/negotiated');
    });
  });

  describe('invalid', () => {
    it('fails when the target offers no MAC and QEMU cannot set one', async () => {
      // Edit: every captured device offers F_MAC.
      const target = await device(VHOST, 'vdpa0', (d) => {
        d.config.mac = null;
        edits.withhold(d, NET.MAC);
      });
      const source = await device(NEGOTIATED, 'vdpa0', (d) => edits.negotiated(d, WITHOUT_CTRL_MAC_ADDR));
      const findings = run(macMatch, source, target);
      assert.deepEqual(codes(findings), ['mac-match/targetNoMac']);
      assert.equal(findings[0]?.severity, 'error');
      assert.deepEqual([findings[0]?.source, findings[0]?.target], ['00:00:00:00:00:00', null]);
    });
    it('compares MACs when the source shows one that QEMU left out of the negotiated set', async () => {
      // Edit: QEMU acks F_MAC from its own model, so a QEMU-driven device's negotiated set lacks it (reference §2).
      const source = await device(NEGOTIATED, 'vdpa0', (d) => edits.negotiated(d, WITHOUT_CTRL_MAC_ADDR.filter((b) => b !== NET.MAC)));
      assert.deepEqual(codes(run(macMatch, source, await device(VHOST))), ['mac-match/mismatch']);
    });
    it('fails when the MACs differ and the guest did not negotiate CTRL_MAC_ADDR', async () => {
      // Edit: negotiated set without CTRL_MAC_ADDR (no captured guest left it out).
      const source = await device(NEGOTIATED, 'vdpa0', (d) => edits.negotiated(d, WITHOUT_CTRL_MAC_ADDR));
      const findings = run(macMatch, source, await device(VHOST));
      assert.deepEqual(codes(findings), ['mac-match/mismatch']);
      const [f] = findings;
      assert.equal(f?.severity, 'error');
      assert.equal(f?.unverified, false);
      assert.equal(f?.path, '/config/mac');
      assert.equal(f?.source, '00:00:00:00:00:00');
      assert.equal(f?.target, '00:11:22:33:44:55');
      assert.equal(f?.data['sourceMac'], '00:00:00:00:00:00');
      assert.equal(f?.data['targetMac'], '00:11:22:33:44:55');
      assert.equal(f?.data['target'], 'vdpa0');
      assert.equal(f?.data['mgmtdev'], 'vdpasim_net');
    });
    it('fails before negotiation when the source is known not to offer CTRL_MAC_ADDR', async () => {
      // Edit: no captured device has CTRL_MAC_ADDR known absent.
      const source = await device(VHOST, 'vdpa0', (d) => edits.withhold(d, NET.CTRL_MAC_ADDR));
      const findings = run(macMatch, source, await device(MTU9000));
      assert.deepEqual(codes(findings), ['mac-match/mismatch']);
      assert.equal(findings[0]?.severity, 'error');
      assert.deepEqual([findings[0]?.source, findings[0]?.target], ['00:11:22:33:44:55', '00:00:00:00:00:00']);
    });
    it('fails before negotiation when the target is known not to offer CTRL_MAC_ADDR', async () => {
      // Edit: no captured device has CTRL_MAC_ADDR known absent.
      const target = await device(MTU9000, 'vdpa0', (d) => edits.withhold(d, NET.CTRL_MAC_ADDR));
      const findings = run(macMatch, await device(VHOST), target);
      assert.deepEqual(codes(findings), ['mac-match/mismatch']);
      assert.equal(findings[0]?.severity, 'error');
    });
    it('warns before negotiation when the MACs differ and CTRL_MAC_ADDR may still be negotiated', async () => {
      const findings = run(macMatch, await device(VHOST), await device(MTU9000));
      assert.deepEqual(codes(findings), ['mac-match/mismatchBeforeNegotiation']);
      assert.equal(findings[0]?.severity, 'warning');
      assert.equal(findings[0]?.unverified, false);
      assert.equal(findings[0]?.path, '/config/mac');
      assert.deepEqual([findings[0]?.source, findings[0]?.target], ['00:11:22:33:44:55', '00:00:00:00:00:00']);
      assert.deepEqual([findings[0]?.data['sourceMac'], findings[0]?.data['targetMac']], ['00:11:22:33:44:55', '00:00:00:00:00:00']);
      // Not an "unverified" message: --strict leaves it a warning.
      assert.equal(run(macMatch, await device(VHOST), await device(MTU9000), true)[0]?.severity, 'warning');
    });
    it('warns before negotiation between two parents of one vp_vdpa host', async () => {
      const findings = run(macMatch, await device(VP_THREE, 'vdpa0'), await device(VP_THREE, 'vdpa1'));
      assert.deepEqual(codes(findings), ['mac-match/mismatchBeforeNegotiation']);
      assert.deepEqual([findings[0]?.source, findings[0]?.target], ['52:54:00:00:0a:01', '52:54:00:00:0b:01']);
    });
    it('warns, unverified, when the source MAC is unknown; --strict makes it an error', async () => {
      const source = await device(K61_CONFIG_STOPS, 'vdpa0');
      const lax = run(macMatch, source, await device(VHOST));
      assert.deepEqual(codes(lax), ['mac-match/unverified']);
      assert.equal(lax[0]?.severity, 'warning');
      assert.equal(lax[0]?.unverified, true);
      assert.equal(lax[0]?.path, '/config/mac');
      assert.equal(lax[0]?.source, null);
      assert.equal(lax[0]?.target, '00:11:22:33:44:55');
      assert.equal(lax[0]?.data['side'], 'source');
      assert.equal(lax[0]?.data['why'], unknownReason(source.doc, '/config/mac'));
      assert.equal(run(macMatch, source, await device(VHOST), true)[0]?.severity, 'error');
    });
    it('warns, unverified, when the target MAC is unknown', async () => {
      const lax = run(macMatch, await device(VHOST), await device(K61_CONFIG_STOPS, 'vdpa0'));
      assert.deepEqual(codes(lax), ['mac-match/unverified']);
      assert.equal(lax[0]?.data['side'], 'target');
      assert.deepEqual([lax[0]?.source, lax[0]?.target], ['00:11:22:33:44:55', null]);
      assert.equal(run(macMatch, await device(VHOST), await device(K61_CONFIG_STOPS, 'vdpa0'), true)[0]?.severity, 'error');
    });
  });
});
