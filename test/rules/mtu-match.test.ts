import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NET } from '../../src/profile/feature-bits.js';
import { mtuMatch } from '../../src/rules/builtin/mtu-match.js';
import { device, edits } from '../helpers/devices.js';
import { codes, run } from '../helpers/rules.js';

// Real devices: a 6.12 simulator device negotiated by virtio_net (MTU 1500, F_MTU
// negotiated), the same parent provisioned with mtu 9000, and one provisioned
// without F_MTU (its config has no mtu key).
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const MTU9000 = 'profiles/vdpasim/k6.12-mtu9000';
const NO_MTU = 'profiles/vdpasim/k6.12-no-mtu';
const VHOST = 'profiles/vdpasim/k6.12-vhost';

describe('mtu-match', () => {
  describe('valid', () => {
    it('passes when both devices have MTU 1500', async () => {
      assert.deepEqual(codes(run(mtuMatch, await device(NEGOTIATED), await device(VHOST))), []);
    });
    it('only notes that MTU is not compared when the guest did not negotiate F_MTU', async () => {
      const source = await device(NEGOTIATED, 'vdpa0', (d) => edits.negotiated(d, [NET.MAC, 32, 33]));
      const findings = run(mtuMatch, source, await device(MTU9000));
      assert.deepEqual(codes(findings), ['mtu-match/notInPlay']);
      assert.equal(findings[0]?.severity, 'info');
    });
    it('leaves a target without F_MTU to negotiated-features-offered', async () => {
      const findings = run(mtuMatch, await device(NEGOTIATED), await device(NO_MTU));
      assert.deepEqual(codes(findings), ['mtu-match/targetHasNoMtu']);
      assert.equal(findings[0]?.severity, 'info');
    });
  });

  describe('invalid', () => {
    it('fails when the target MTU differs', async () => {
      const findings = run(mtuMatch, await device(NEGOTIATED), await device(MTU9000));
      assert.deepEqual(codes(findings), ['mtu-match/mismatch']);
      assert.equal(findings[0]?.severity, 'error');
      assert.equal(findings[0]?.source, 1500);
      assert.equal(findings[0]?.target, 9000);
      assert.equal(findings[0]?.path, '/config/mtu');
    });
    it('compares MTU before negotiation when the source offers F_MTU', async () => {
      const source = await device(MTU9000);
      const findings = run(mtuMatch, source, await device(VHOST));
      assert.deepEqual(codes(findings), ['mtu-match/mismatch']);
      assert.deepEqual([findings[0]?.data['sourceMtu'], findings[0]?.data['targetMtu']], [9000, 1500]);
    });
    it('warns, unverified, when the target config is unknown; --strict makes it an error', async () => {
      const target = await device(VHOST, 'vdpa0', (d) => {
        d.config.mtu = null;
        d.unknown.push({ fact: '/config', reason: 'test: config not shown' });
        edits.forget(d, NET.MTU);
      });
      const lax = run(mtuMatch, await device(NEGOTIATED), target);
      assert.deepEqual(codes(lax), ['mtu-match/unverified']);
      assert.equal(lax[0]?.severity, 'warning');
      assert.equal(lax[0]?.unverified, true);
      assert.equal(run(mtuMatch, await device(NEGOTIATED), target, true)[0]?.severity, 'error');
    });
  });
});
