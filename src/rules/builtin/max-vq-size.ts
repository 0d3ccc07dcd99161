/**
 * The destination takes each ring's size from the migration stream
 * (hw/virtio/virtio.c virtio_load), so the target device must accept the
 * rings the source uses: rx_queue_size/tx_queue_size (default 256), or 1024
 * for every ring under QEMU 10.0.13, which forces VIRTQUEUE_MAX_SIZE
 * (virtio_add_queue). A kernel that checks VHOST_SET_VRING_NUM against the
 * device's max ring size (drivers/vhost/vdpa.c, from 6.12.111 and 7.2.7)
 * refuses a larger ring: vhost never starts, the migration "completes" and
 * the datapath is dead (lab, QEMU 10.0.13 on 6.12.117). Older kernels accept
 * it (6.1.192), and then the parent decides (packs/parents.yaml ringAboveMax):
 * vdpa_sim_net sets its ring up with the size it is given and moves frames on
 * 1024 entries (lab, kernel 6.1); for a parent the pack does not know, it is
 * not known, and the rule says so.
 */
import { decide, releaseList, type QemuRelease } from '../../knowledge/qemu.js';
import type { VmConfig } from '../context.js';
import type { ParentView } from '../../knowledge/parents.js';
import { defineRule } from '../define.js';
import { migratable } from '../vmm.js';

/** The largest ring QEMU makes (hw/virtio/virtio.h VIRTQUEUE_MAX_SIZE). */
const VIRTQUEUE_MAX_SIZE = 1024;

/** The largest data ring a source release uses for this VM, or 'unknown'. */
function sourceRing(release: QemuRelease, vm: VmConfig): number | 'unknown' {
  const forced = release.facts.ringForced.value;
  if (forced === 'unknown') return 'unknown';
  if (forced !== null) return forced;
  return Math.max(vm.rxQueueSize.value ?? release.facts.ringDefault.value, vm.txQueueSize.value ?? release.facts.ringDefault.value);
}

/** What happens on a target to a ring above its maximum: the kernel's check, then the parent's. */
interface AboveMax {
  /** The kernel refuses it (vhost never starts), or the parent cannot run it: dead either way. */
  dead: boolean;
  /** Known to work: the kernel accepts it and the parent runs it. */
  runs: boolean;
  /** The message data that says why. */
  kernel: string;
  why: string;
  kernelSays: string;
  deviceSays: string;
  source: string;
}

/** A target's answer to a ring above its maximum, from its kernel's and its parent's facts. */
function aboveMax(parent: ParentView): AboveMax {
  const kernel = parent.kernel?.release ?? '(unknown)';
  const check = parent.kernelFact('vringNumAboveMax');
  const device = parent.fact('ringAboveMax');
  const refuses = check.known && check.value === 'refuses';
  const kernelSays = check.known ? (refuses ? 'refuses it' : 'accepts it') : `may refuse it (${check.why})`;
  const fails = device.known && device.value === 'fails';
  const deviceSays = device.known ? `${parent.name} ${device.value === 'runs' ? 'runs' : 'cannot run'} a ring above its maximum (packs/parents.yaml ringAboveMax)` : 'what the device does with a ring above its maximum is not known';
  const why = refuses ? `kernel ${kernel} refuses larger rings (VHOST_SET_VRING_NUM), so vhost never starts on the target` : `kernel ${kernel} ${kernelSays}, but ${deviceSays}`;
  return { dead: refuses || fails, runs: check.known && check.value === 'accepts' && device.known && device.value === 'runs', kernel, why, kernelSays, deviceSays, source: device.known ? device.source : '' };
}

export const maxVqSize = defineRule({
  id: 'max-vq-size',
  summary: 'Target accepts the ring size the source uses',
  appliesTo: ['net'],
  messages: {
    tooSmall: {
      severity: 'error',
      remedy: 'change-vm-config',
      text: 'the source uses {ring}-entry rings ({ringOrigin}) and target {target} accepts at most {targetSize}: {why} and the datapath is dead after migration',
      fix: 'Run the source with rings <= {targetSize} (<driver rx_queue_size/tx_queue_size>; QEMU accepts 256 to 1024), or pick a target whose parent accepts {ring}-entry rings.',
    },
    forcedRings: {
      severity: 'error',
      remedy: 'change-vmm',
      text: 'QEMU {releases} on the source forces every ring to {ring} entries and target {target} accepts at most {targetSize}: {why} and the datapath is dead after migration',
      fix: 'Run the VM under a QEMU that does not force 1024-entry rings (10.0.2, 10.2.2), or pick a target whose parent accepts {ring}-entry rings; no ring-size setting of the VM overrides the forced size.',
    },
    aboveMax: {
      severity: 'warning',
      unverified: true,
      remedy: 'change-vm-config',
      text: 'the source uses {ring}-entry rings ({ringOrigin}) and target {target} accepts at most {targetSize}: kernel {kernel} {kernelSays}, and {deviceSays}',
      fix: 'Run the source with rings <= {targetSize} (rx_queue_size/tx_queue_size), or pick a target that accepts {ring}-entry rings.',
    },
    aboveMaxRuns: {
      severity: 'info',
      remedy: 'none',
      text: 'the source uses {ring}-entry rings ({ringOrigin}), above the {targetSize} target {target} reports: kernel {kernel} accepts them and {parent} runs a ring above its maximum (packs/parents.yaml ringAboveMax)',
    },
    ringUnknown: {
      severity: 'warning',
      unverified: true,
      remedy: 'collect-more-facts',
      text: 'could not tell the ring size the source uses ({why}): {outcomes}; target {target} accepts at most {targetSize}',
      fix: 'Pass --source-qemu VERSION when it is not known; or read the ring in use on the source (QMP x-query-virtio-queue-status, vring-num).',
    },
    unverified: {
      severity: 'warning',
      unverified: true,
      remedy: 'collect-more-facts',
      text: 'could not compare ring sizes: max_vq_size of target {target} is unknown',
      fix: 'Collect the target again; `vdpa dev show` prints max_vq_size on every iproute2.',
    },
  },
  fast: {
    prepare(side, vm) {
      const ring = decide(migratable(side.qemu), (r) => sourceRing(r, vm));
      const above = aboveMax(side.parent);
      return {
        size: side.doc.maxVqSize,
        // As a source: the ring it uses (agreed), or every candidate's.
        ring: ring.agreed ? ring.value : null,
        rings: ring.agreed ? [] : ring.outcomes.map((o) => o.value),
        forced: ring.agreed && ring.releases.every((r) => typeof r.facts.ringForced.value === 'number'),
        // As a target: what a ring above its maximum does there.
        dead: above.dead,
        runs: above.runs,
      };
    },
    decide(s, t) {
      const size = t.size;
      if (size === null) return 'unverified';
      if (size >= VIRTQUEUE_MAX_SIZE) return null;
      // A target known to run any ring takes every ring QEMU makes (<= VIRTQUEUE_MAX_SIZE), unknown ones too.
      if (t.runs) return typeof s.ring === 'number' && s.ring > size ? 'aboveMaxRuns' : null;
      if (s.ring === null) return s.rings.some((r) => r === 'unknown' || r > size) ? 'ringUnknown' : null;
      if (s.ring === 'unknown') return 'ringUnknown';
      if (s.ring <= size) return null;
      return t.dead ? (s.forced ? 'forcedRings' : 'tooSmall') : 'aboveMax';
    },
  },
  check({ source, target, vm, report }) {
    const targetSize = target.doc.maxVqSize;
    if (targetSize === null) {
      report('unverified', { target: target.name }, { path: '/maxVqSize', source: source.doc.maxVqSize, target: null });
      return;
    }
    // No QEMU uses a ring above VIRTQUEUE_MAX_SIZE (hw/virtio/virtio.h; rx/tx_queue_size are capped
    // at it): a target that accepts that many accepts every ring, whatever the source QEMU is.
    if (targetSize >= VIRTQUEUE_MAX_SIZE) return;
    const ring = decide(migratable(source.qemu), (r) => sourceRing(r, vm));
    const place = { path: '/maxVqSize', source: source.doc.maxVqSize, target: targetSize };
    const above = aboveMax(target.parent);
    // Name the setting that makes the largest ring (tx may be the larger one).
    const rx = vm.rxQueueSize.value;
    const tx = vm.txQueueSize.value;
    const largest = rx === null && tx === null ? null : tx !== null && (rx === null || tx > rx) ? vm.txQueueSize : vm.rxQueueSize;
    const sized = largest === null ? "QEMU's default" : `${largest === vm.txQueueSize ? 'tx_queue_size' : 'rx_queue_size'}, ${largest.origin}`;
    // A target known to run a ring above its maximum runs every ring QEMU makes (<= VIRTQUEUE_MAX_SIZE),
    // so neither an unknown source QEMU nor an unknown ring size matters to it.
    if (above.runs && (!ring.agreed || ring.value === 'unknown')) return;
    if (!ring.agreed) {
      const outcomes = ring.outcomes.map((o) => `${o.value === 'unknown' ? 'unknown' : `${o.value} entries`} on ${releaseList(o.releases)}`).join('; ');
      if (ring.outcomes.some((o) => o.value === 'unknown' || o.value > targetSize)) {
        report('ringUnknown', { target: target.name, targetSize, outcomes, why: `it depends on the source QEMU, whose version is unknown: ${source.qemu.why ?? 'not known'}` }, place);
      }
      return;
    }
    if (ring.value === 'unknown') {
      report(
        'ringUnknown',
        { target: target.name, targetSize, outcomes: `unknown on ${releaseList(ring.releases)}`, why: `packs/qemu.yaml does not know which ring size QEMU ${releaseList(ring.releases)} uses (not read in its source)` },
        place,
      );
      return;
    }
    if (ring.value <= targetSize) return;
    const forced = ring.releases.every((r) => typeof r.facts.ringForced.value === 'number');
    const ringOrigin = forced ? `QEMU ${releaseList(ring.releases)} forces every ring to ${ring.value}` : sized;
    const data = { target: target.name, targetSize, ring: ring.value, ringOrigin, kernel: above.kernel, releases: releaseList(ring.releases) };
    if (above.runs) report('aboveMaxRuns', { ...data, parent: target.parent.name, source: above.source }, place);
    else if (above.dead) report(forced ? 'forcedRings' : 'tooSmall', { ...data, why: above.why }, place);
    else report('aboveMax', { ...data, kernelSays: above.kernelSays, deviceSays: above.deviceSays }, place);
  },
});
