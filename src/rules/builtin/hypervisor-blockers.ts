/**
 * What the source QEMU refuses, whatever the target device: migration
 * blockers are installed by the QEMU the VM runs on, and `migrate` fails at
 * once with their message (read in the QEMU 5.2.0, 7.2.22, 10.0.2, 10.0.13
 * and 10.2.2 sources; 8.0 and 8.1 dated from the qemu-devel pull requests;
 * checked for outgoing migrations only). 5.2 and 7.2 without x-svq:
 * "Migration disabled: vhost lacks VHOST_F_LOG_ALL feature."
 * (hw/virtio/vhost.c vhost_dev_init); 8.0 and 8.1 without x-svq, when the device offers CTRL_VQ: "net vdpa cannot migrate
 * with CVQ feature" (net/vhost-vdpa.c net_vhost_vdpa_init); the generic
 * vhost-vdpa-device-pci is unmigratable (hw/virtio/vdpa-dev.c
 * vmstate_vhost_vdpa_device). A vhost-vdpa block device driven by
 * libblkio (virtio-blk-vhost-vdpa) has no blocker (block/blkio.c), but its
 * data moves only with shared storage. When the source version is unknown,
 * the rule names the releases for which the answer differs; since QEMU
 * itself refuses at the source before anything moves, that stays a warning.
 */
import { decide, QEMU_MESSAGES, releaseList, type QemuRelease } from '../../knowledge/qemu.js';
import { NET, hasBit } from '../../profile/feature-bits.js';
import { offeredState } from '../../profile/facts.js';
import type { Side, VmConfig } from '../context.js';
import { defineRule } from '../define.js';

type Outcome = 'fine' | 'log-all' | 'cvq' | 'no-x-svq-option' | 'cvq-unknown';

/** What one source release does with this VM (net devices through virtio-net-pci). */
function outcome(release: QemuRelease, source: Side, vm: VmConfig): Outcome {
  const f = release.facts;
  if (vm.xSvq.value && !f.xSvq.value) return 'no-x-svq-option';
  if (f.logAllBlocker.value === 'always' || (f.logAllBlocker.value === 'without-x-svq' && !vm.xSvq.value)) return 'log-all';
  if (f.cvqBlocker.value === 'ctrl-vq-without-x-svq' && !vm.xSvq.value) {
    const ctrlVq = offeredState(source, NET.CTRL_VQ);
    if (ctrlVq === 'present' || (source.negotiated !== null && hasBit(source.negotiated, NET.CTRL_VQ))) return 'cvq';
    if (ctrlVq === 'unknown') return 'cvq-unknown';
  }
  return 'fine';
}

const SAY: Record<Outcome, string> = {
  fine: 'fine',
  'log-all': 'blocked (no VHOST_F_LOG_ALL without x-svq)',
  cvq: 'blocked (CTRL_VQ offered, no x-svq)',
  'no-x-svq-option': 'refused (no x-svq option)',
  'cvq-unknown': 'blocked if the device offers CTRL_VQ (unknown)',
};

export const hypervisorBlockers = defineRule({
  id: 'hypervisor-blockers',
  summary: 'The source QEMU does not refuse to migrate the device',
  messages: {
    logAll: {
      severity: 'error',
      blocker: true,
      remedy: 'change-vmm',
      text: 'QEMU {releases} refuses to migrate a vhost-vdpa netdev without x-svq: "{message}" (hw/virtio/vhost.c vhost_dev_init)',
      fix: 'Run the VM under QEMU >= 8.2 on both hosts (8.0 and 8.1 still refuse a device that offers CTRL_VQ without x-svq), or (7.2) start its netdev with x-svq=on (`<qemu:commandline>`; libvirt has no setting for it). No target device changes this.',
    },
    cvq: {
      severity: 'error',
      blocker: true,
      remedy: 'change-vmm',
      text: 'QEMU {releases} refuses to migrate a vhost-vdpa netdev whose device offers CTRL_VQ without x-svq: "{message}"',
      fix: 'Run the VM under QEMU >= 8.2 on both hosts (the blocker was removed for 8.2), or start its netdev with x-svq=on.',
    },
    noXSvqOption: {
      severity: 'error',
      blocker: true,
      remedy: 'change-vmm',
      text: 'x-svq=on is set ({origin}) but QEMU {releases} has no x-svq option: the netdev does not start',
      fix: 'Use QEMU >= 7.2 for x-svq, or drop x-svq.',
    },
    genericDevice: {
      severity: 'error',
      blocker: true,
      remedy: 'change-vm-config',
      text: 'the VM uses the generic vhost-vdpa-device-pci ({origin}), which QEMU marks unmigratable (hw/virtio/vdpa-dev.c)',
      fix: 'Present the device as virtio-net-pci on a vhost-vdpa netdev (libvirt: <interface type="vdpa">), then restart the guest.',
    },
    blockSharedStorage: {
      severity: 'warning',
      remedy: 'change-vm-config',
      text: 'source {source} is a block device: QEMU migrates virtio-blk-vhost-vdpa (libblkio) without a blocker, but the disk data moves only if both hosts see the same storage; the vDPA block simulator keeps its data in RAM, which does not move',
      fix: 'Migrate block devices only with storage both hosts share, or copy the data (`virsh migrate --copy-storage-all` where the backend allows it).',
    },
    dependsOnVersion: {
      severity: 'warning',
      unverified: true,
      failsSafe: true,
      remedy: 'collect-more-facts',
      text: 'whether the source QEMU refuses depends on its version, which is unknown ({why}): {outcomes}. QEMU refuses at the source, before anything moves',
      fix: 'Pass --source-qemu VERSION (`qemu-system-x86_64 --version` on the source), or collect the source profile on the host (collect records the QEMU binaries).',
    },
  },
  reads: 'source',
  check({ source, vm, report }) {
    if (vm.model.value === 'vhost-vdpa-device-pci') {
      report('genericDevice', { origin: vm.model.origin }, { path: '/class' });
      return;
    }
    if (source.cls === 'blk') {
      report('blockSharedStorage', { source: source.name }, { path: '/class', source: 'blk' });
      return;
    }
    if (source.cls !== 'net') return;
    const decision = decide(source.qemu, (r) => outcome(r, source, vm));
    const message = (o: Outcome) => (o === 'log-all' ? QEMU_MESSAGES['logAllBlocker'] : o === 'cvq' ? QEMU_MESSAGES['cvqBlocker'] : '') ?? '';
    if (decision.agreed) {
      const releases = releaseList(decision.releases);
      const place = { path: '/features/offered' };
      if (decision.value === 'log-all') report('logAll', { releases, message: message('log-all') }, place);
      else if (decision.value === 'cvq') report('cvq', { releases, message: message('cvq') }, place);
      else if (decision.value === 'no-x-svq-option') report('noXSvqOption', { releases, origin: vm.xSvq.origin }, place);
      else if (decision.value === 'cvq-unknown') report('dependsOnVersion', { why: 'whether the source offers CTRL_VQ is unknown', outcomes: `${SAY['cvq-unknown']} on ${releases}` }, place);
      return;
    }
    const outcomes = decision.outcomes.map((o) => `${SAY[o.value]} on ${releaseList(o.releases)}`).join('; ');
    report('dependsOnVersion', { why: source.qemu.why ?? 'unknown', outcomes }, { path: '/features/offered' });
  },
});
