import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { maxVqSize } from '../../src/rules/builtin/max-vq-size.js';
import type { ParentView } from '../../src/knowledge/parents.js';
import type { DeviceDoc, Profile } from '../../src/profile/types.js';
import type { Side } from '../../src/rules/context.js';
import { device } from '../helpers/devices.js';
import { cases, type Case } from '../helpers/rules.js';

// Real devices: simulator devices (max_vq_size 256) on kernel 6.12.117, which refuses rings above
// the device's maximum (VHOST_SET_VRING_NUM, from 6.12.111), and on Debian 12's 6.1 (6.1.0-56), which
// accepts them. The lab saw QEMU 10.0.13 start every ring at 1024 and vhost fail on 6.12.117.
const K612 = 'e2e/k6.12/sim-netlink';
const K61 = 'e2e/k6.1/sim-netlink';
const at = (dump: string, name: string, version: string | null) => device(dump, name, undefined, version);

/** Edit: the target's max_vq_size raised from 256 to 1024 (VIRTQUEUE_MAX_SIZE), as mlx5 and vp_vdpa show. */
const accepts1024 = (d: DeviceDoc) => (d.maxVqSize = 1024);
/** Edit: the host's kernel release, for a kernel no capture ran. */
const onKernel = (release: string) => (_doc: DeviceDoc, profile: Profile) => (profile.host.kernel = release);
/** Edit: the target's max_vq_size not shown. */
const sizeUnknown = (d: DeviceDoc) => (d.maxVqSize = null);
/** Edit: the target's management device renamed, so that it is a parent the pack does not know. */
const unknownParent = (d: DeviceDoc, profile: Profile) => {
  const m = profile.mgmtdevs.find((x) => x.handle === d.mgmtdev);
  if (m) m.name = 'other_net';
};
/** The target's parent as a pack would state it if it could not run a ring above its maximum (no parent of the pack does). */
const failsAboveMax = async (side: Promise<Side>): Promise<Side> => {
  const s = await side;
  const parent: ParentView = { ...s.parent, fact: (key) => (key === 'ringAboveMax' ? { known: true, value: 'fails', source: 'the test', verified: false } : s.parent.fact(key)) };
  return { ...s, parent };
};

describe('max-vq-size', () => {
  describe('valid', () => {
    cases(maxVqSize, [
      ...['7.2.22', '10.0.2', '10.2.2'].map((version): Case => ({
        shows: `passes QEMU ${version}'s default 256-entry rings on a 256-entry device`,
        source: () => at(K612, 'src', version),
        target: () => at(K612, 'same', version),
        codes: [],
      })),
      ...[null, '10.1.0', '10.0.13'].map((version): Case => ({
        shows: `passes a target that accepts 1024-entry rings whatever the source QEMU (${version ?? 'unknown'}): no QEMU makes a larger ring (edit: max_vq_size 1024)`,
        source: () => at(K612, 'src', version),
        target: () => device(K612, 'same', accepts1024, null),
        codes: [],
      })),
      { shows: 'passes a 10.0.2 source into a 10.0.13 destination: the ring size comes from the stream (measured)', source: () => at(K612, 'src', '10.0.2'), target: () => at(K612, 'same', '10.0.13'), codes: [] },
      {
        shows: "notes, and passes, QEMU 10.0.13's 1024-entry rings on vdpa_sim_net where kernel 6.1 accepts them: the simulator runs them (lab, lane k61)",
        source: () => at(K61, 'src', '10.0.13'),
        target: () => at(K61, 'same', '10.0.13'),
        codes: ['max-vq-size/aboveMaxRuns'],
        and: ([f]) => {
          assert.deepEqual([f?.severity, f?.unverified, f?.data['ring'], f?.data['targetSize'], f?.data['parent']], ['info', false, 1024, 256, 'vdpa_sim_net (vDPA simulator, net)']);
          assert.match(String(f?.data['source']), /vdpasim_set_vq_num/);
        },
      },
      {
        shows: 'notes rx_queue_size 1024 the same way on 6.1 (the kernel accepts, the simulator runs it)',
        source: () => at(K61, 'src', '10.0.2'),
        target: () => at(K61, 'same', '10.0.2'),
        vm: { rxQueueSize: 1024 },
        codes: ['max-vq-size/aboveMaxRuns'],
      },
      {
        shows: 'passes an unknown source QEMU on 6.1: the simulator runs every ring QEMU makes there (<= 1024), so neither the release nor its ring size matters',
        source: () => at(K61, 'src', null),
        target: () => at(K61, 'same', null),
        codes: [],
      },
    ]);
  });

  describe('invalid', () => {
    cases(maxVqSize, [
      {
        shows: 'fails the rings QEMU 10.0.13 forces to 1024 on a kernel that refuses them (lab: vhost never started)',
        source: () => at(K612, 'src', '10.0.13'),
        target: () => at(K612, 'same', '10.0.13'),
        codes: ['max-vq-size/forcedRings'],
        and: ([f]) => assert.deepEqual([f?.severity, f?.remedy, f?.data['ring'], f?.data['targetSize'], f?.data['kernel']], ['error', 'change-vmm', 1024, 256, '6.12.117+deb13-amd64']),
      },
      {
        shows: 'fails rx_queue_size 1024 the same way on a kernel that refuses the ring (6.12.117)',
        source: () => at(K612, 'src', '10.0.2'),
        target: () => at(K612, 'same', '10.0.2'),
        vm: { rxQueueSize: 1024 },
        codes: ['max-vq-size/tooSmall'],
      },
      {
        shows: 'only warns for rx_queue_size 1024 where the kernel accepts the ring and the parent is not one the pack knows (6.1; edit: mgmtdev other_net)',
        source: () => at(K61, 'src', '10.0.2'),
        target: () => device(K61, 'same', unknownParent, '10.0.2'),
        vm: { rxQueueSize: 1024 },
        codes: ['max-vq-size/aboveMax'],
        and: ([f]) => assert.deepEqual([f?.unverified, f?.data['kernelSays'], f?.data['deviceSays']], [true, 'accepts it', 'what the device does with a ring above its maximum is not known']),
      },
      {
        shows: 'warns that an unknown kernel may refuse, even on a parent that runs the ring (edit: kernel 6.6, where the fix arrived in an unknown 6.6.N)',
        source: () => at(K612, 'src', '10.0.13'),
        target: () => device(K612, 'same', onKernel('6.6.30-generic'), '10.0.13'),
        codes: ['max-vq-size/aboveMax'],
        and: ([f]) => {
          assert.match(String(f?.data['kernelSays']), /^may refuse it/);
          assert.match(String(f?.data['deviceSays']), /^vdpa_sim_net .* runs a ring above its maximum/);
        },
      },
      {
        shows: 'fails where the kernel accepts the ring but the parent cannot run it (6.1; the parent stubbed: no parent of the pack says so)',
        source: () => at(K61, 'src', '10.0.13'),
        target: () => failsAboveMax(at(K61, 'same', '10.0.13')),
        codes: ['max-vq-size/forcedRings'],
        and: ([f]) => {
          assert.equal(f?.severity, 'error');
          assert.match(String(f?.message), /kernel 6\.1\.\S+ accepts it, but vdpa_sim_net .* cannot run a ring above its maximum .* and the datapath is dead after migration/);
        },
      },
      {
        shows: 'fails on an unknown kernel too when the parent cannot run the ring: refused or not, the datapath is dead (edit: kernel 6.6; the parent stubbed)',
        source: () => at(K612, 'src', '10.0.2'),
        target: () => failsAboveMax(device(K612, 'same', onKernel('6.6.30-generic'), '10.0.2')),
        vm: { txQueueSize: 512 },
        codes: ['max-vq-size/tooSmall'],
        and: ([f]) => assert.match(String(f?.data['why']), /^kernel 6\.6\.30-generic may refuse it .*, but vdpa_sim_net/),
      },
      {
        shows: 'warns, unverified, when the source QEMU and so its ring size is unknown, naming 10.0.13',
        source: () => at(K612, 'src', null),
        target: () => at(K612, 'same', null),
        codes: ['max-vq-size/ringUnknown'],
        and: ([f]) => {
          assert.match(String(f?.data['outcomes']), /1024 entries on 10\.0\.13\+/);
          assert.match(String(f?.message), /depends on the source QEMU, whose version is unknown/);
        },
      },
      {
        shows: 'warns, unverified, on 10.1.x, which may or may not have taken the 10.0.13 change: known version, unknown ring',
        source: () => at(K612, 'src', '10.1.0'),
        target: () => at(K612, 'same', '10.1.0'),
        codes: ['max-vq-size/ringUnknown'],
        and: ([f]) => {
          assert.match(String(f?.message), /packs\/qemu\.yaml does not know which ring size QEMU 10\.1 uses/);
          assert.doesNotMatch(String(f?.message), /version is unknown/);
        },
      },
      { shows: 'warns, unverified, when the target max_vq_size is unknown (edit: not shown)', source: () => at(K612, 'src', '10.0.2'), target: () => device(K612, 'same', sizeUnknown, '10.0.2'), codes: ['max-vq-size/unverified'] },
    ]);
  });
});
