import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { validateReport } from '../../src/generated/report-validator.js';
import { check } from '../../src/verdict/check.js';
import { renderText } from '../../src/verdict/render-text.js';
import { dumpPath } from '../helpers/paths.js';

const profile = async (dump: string) => (await collect({ from: dumpPath(dump) })).profile;

describe('check', () => {
  it('is compatible, with warnings it could not verify, for a 6.12 simulator device to an idle vhost device', async () => {
    const report = check(await profile('profiles/vdpasim/k6.12-negotiated'), await profile('profiles/vdpasim/k6.12-vhost'), { targetDevice: 'vdpa0' });
    assert.equal(report.verdict, 'compatible');
    assert.equal(report.summary.errors, 0);
    assert.ok(report.findings.some((f) => f.code === 'negotiated-features-offered/unverified'));
    assert.ok(report.findings.some((f) => f.code === 'mac-match/replayed'), 'different MACs are fine with CTRL_MAC_ADDR negotiated');
    assert.ok(validateReport(report), JSON.stringify(validateReport.errors));
  });

  it('is incompatible when the target was provisioned without a negotiated feature (MTU), and says so per feature', async () => {
    const report = check(await profile('profiles/vdpasim/k6.12-negotiated'), await profile('profiles/vdpasim/k6.12-no-mtu'));
    assert.equal(report.verdict, 'incompatible');
    const missing = report.findings.filter((f) => f.code === 'negotiated-features-offered/missing');
    assert.deepEqual(missing.map((f) => f.data['feature']), ['MTU']);
    assert.ok(validateReport(report));
  });

  it('--strict turns could-not-verify warnings into errors', async () => {
    const lax = check(await profile('profiles/vdpasim/k6.12-negotiated'), await profile('profiles/vdpasim/k6.12-vhost'), { targetDevice: 'vdpa0' });
    const strict = check(await profile('profiles/vdpasim/k6.12-negotiated'), await profile('profiles/vdpasim/k6.12-vhost'), { targetDevice: 'vdpa0', strict: true });
    assert.equal(strict.verdict, 'incompatible');
    assert.equal(strict.summary.errors, lax.findings.filter((f) => f.unverified && f.severity === 'warning').length);
  });

  it('finds every difference between two vp_vdpa parents (4 pairs, MTU, RSS vs 2 pairs, no MTU)', async () => {
    const report = check(await profile('profiles/vp_vdpa/k6.12-A-negotiated'), await profile('profiles/vp_vdpa/k6.12-three-vhost'), { targetDevice: 'vdpa1' });
    const failing = new Set(report.findings.filter((f) => f.severity === 'error').map((f) => f.code));
    for (const code of ['negotiated-features-offered/notSupported', 'max-vq-pairs/tooFew', 'transport-features/targetMissing', 'transport-features/sourceMissing']) {
      assert.ok(failing.has(code), code);
    }
    const notSupported = report.findings.filter((f) => f.code === 'negotiated-features-offered/notSupported').map((f) => f.data['feature']);
    assert.deepEqual(notSupported, ['MTU', 'GUEST_TSO4', 'HOST_TSO4', 'MRG_RXBUF', 'HASH_REPORT', 'RSS']);
    assert.ok(validateReport(report));
  });

  it('reports both fingerprints and where each device is', async () => {
    const report = check(await profile('profiles/vp_vdpa/k6.12-three-vhost'), await profile('profiles/vp_vdpa/k6.12-three-vhost'), { sourceDevice: 'vdpa2', targetDevice: 'vdpa2' });
    assert.equal(report.source.fingerprint, report.target.fingerprint);
    assert.equal(report.source.pointer, '/devices/2');
    assert.match(report.source.fingerprint, /^sha256:[0-9a-f]{64}$/);
  });

  it('renders one line per check with PASS/WARN/FAIL, colour only when asked', async () => {
    const report = check(await profile('profiles/vdpasim/k6.12-negotiated'), await profile('profiles/vdpasim/k6.12-mtu9000'));
    const text = renderText(report, { color: false });
    const checkLines = text.split('\n').filter((l) => / : (PASS|WARN|FAIL)$/.test(l));
    assert.equal(checkLines.length, report.checks.length);
    assert.match(text, /FAIL .*\[mtu-match\/mismatch\]/);
    assert.match(text, /verdict: INCOMPATIBLE/);
    assert.ok(!text.includes('\u001b['));
    assert.ok(renderText(report, { color: true }).includes('\u001b[31m'));
  });
});
