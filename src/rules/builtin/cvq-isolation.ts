/**
 * From QEMU 8.2, without x-svq, the control virtqueue is shadowed only if
 * the parent can put it in an address space of its own and the device's
 * offered set passes the SVQ check; otherwise it is passed through
 * (net/vhost-vdpa.c vhost_vdpa_probe_cvq_isolation, vhost_vdpa_net_cvq_start;
 * no blocker). Passed through on the source, QEMU's virtio-net model never
 * sees the commands the guest sent (MAC, queue pairs, RX mode, VLANs, RSS),
 * so what the destination restores is stale. Passed through on the target,
 * QEMU replays nothing (vhost_vdpa_net_cvq_load): the device keeps its reset
 * state, one queue pair included. Which parents isolate: packs/parents.yaml.
 */
import { answersOf, decide, releaseList } from '../../knowledge/qemu.js';
import { NET, hasBit } from '../../profile/feature-bits.js';
import type { Side, VmConfig } from '../context.js';
import { defineRule } from '../define.js';
import { cvqReplayed, describeOutcomes, migratable, usesCvq } from '../vmm.js';

/** Whether the side's QEMU decides CVQ shadowing by isolation (8.2+ without x-svq), per candidate release. */
function byIsolation(side: Side, vm: VmConfig) {
  return decide(migratable(side.qemu), (r) => !vm.xSvq.value && r.facts.cvqIsolation.value === 'probe');
}

export const cvqIsolation = defineRule({
  id: 'cvq-isolation',
  summary: 'The control queue is shadowed, so its state moves with the guest',
  appliesTo: ['net'],
  messages: {
    sourceNotIsolated: {
      severity: 'warning',
      remedy: 'change-vm-config',
      text: "source parent {parent} cannot isolate the control queue, so QEMU {releases} passes it through: the state the guest set through it (MAC filters, RX mode, VLANs, RSS, queue pairs) never reached QEMU's model and may be stale after migration",
      fix: 'Run the source netdev with x-svq=on (every queue shadowed, at a cost), or place such guests on parents that isolate the CVQ (vdpa_sim, mlx5).',
    },
    sourceUnknown: {
      severity: 'warning',
      unverified: true,
      remedy: 'collect-more-facts',
      text: 'could not tell whether source parent {parent} isolates the control queue ({why}): if not, the state the guest set through it may be stale after migration',
      fix: 'Check the parent in packs/parents.yaml, or collect the source live (sysfs names the parent driver).',
    },
    targetNoReplay: {
      severity: 'warning',
      remedy: 'reprovision-target',
      text: 'QEMU replays nothing the guest set through its control queue into target {target}: {why}. The device keeps its reset state (MAC filters, RX mode, VLANs, RSS)',
      fix: 'Use a target whose parent isolates the CVQ and offers only SVQ-handled features (vdpa_sim, mlx5), or run the netdev with x-svq=on.',
    },
    queuePairsNotRestored: {
      severity: 'warning',
      unverified: true,
      remedy: 'reprovision-target',
      text: "QEMU replays nothing the guest set through its control queue into target {target} ({why}), so the {pairs} queue pairs the guest enabled are not re-enabled there: traffic the guest sends on queues beyond the first may be lost (read in QEMU's source, not measured)",
      fix: 'Use a target whose parent isolates the CVQ and offers only SVQ-handled features (vdpa_sim, mlx5), run the netdev with x-svq=on, or give the guest one queue pair.',
    },
    targetUnknown: {
      severity: 'warning',
      unverified: true,
      remedy: 'collect-more-facts',
      text: "could not tell whether QEMU replays the guest's control-queue state into target {target} ({why}){pairsNote}",
      fix: 'Collect the target live with raw netlink (offered features) on a host whose parent packs/parents.yaml knows.',
    },
  },
  fast: {
    prepare(side, vm) {
      const pairs = side.doc.config.maxVqPairs ?? 1;
      const isolated = byIsolation(side, vm);
      const isolation = side.parent.fact('cvqIsolation');
      const replay = cvqReplayed(side, vm);
      const outcomes = answersOf(replay);
      type Message = 'sourceUnknown' | 'sourceNotIsolated' | 'queuePairsNotRestored' | 'targetNoReplay' | 'targetUnknown';
      const own: Message | null = !isolated.agreed || isolated.value ? (!isolation.known ? 'sourceUnknown' : !isolation.value ? 'sourceNotIsolated' : null) : null;
      const multiqueue = (side.negotiated === null || hasBit(side.negotiated, NET.MQ)) && pairs > 1;
      const noReplay: Message = multiqueue ? 'queuePairsNotRestored' : 'targetNoReplay';
      return {
        // As a source: what it reports alone, and with each answer a target can give.
        uses: usesCvq(side),
        own,
        none: own === null ? noReplay : ([own, noReplay] as const),
        some: own === null ? ('targetUnknown' as const) : ([own, 'targetUnknown'] as const),
        // As a target.
        replay: outcomes.every((o) => o.replayed === true) ? ('all' as const) : outcomes.every((o) => o.replayed === false) ? ('none' as const) : ('some' as const),
      };
    },
    decide(s, t) {
      if (!s.uses) return null;
      return t.replay === 'all' ? s.own : t.replay === 'some' ? s.some : s.none;
    },
  },
  check({ source, target, vm, report }) {
    if (!usesCvq(source)) return;
    const pairs = source.doc.config.maxVqPairs ?? 1;
    const multiqueue = (source.negotiated === null || hasBit(source.negotiated, NET.MQ)) && pairs > 1;
    const pairsNote = multiqueue ? `, and with it the ${pairs} queue pairs the guest may have enabled` : '';

    const sourceSide = byIsolation(source, vm);
    if (!sourceSide.agreed || sourceSide.value) {
      const isolation = source.parent.fact('cvqIsolation');
      const releases = releaseList(sourceSide.agreed ? sourceSide.releases : sourceSide.outcomes.filter((o) => o.value).flatMap((o) => o.releases));
      if (!isolation.known) report('sourceUnknown', { parent: source.parent.name, why: isolation.why }, { path: '/mgmtdev' });
      else if (!isolation.value) report('sourceNotIsolated', { parent: source.parent.name, releases }, { path: '/mgmtdev', source: source.parent.name });
    }

    const replay = cvqReplayed(target, vm);
    const outcomes = answersOf(replay);
    if (outcomes.every((o) => o.replayed === true)) return;
    const why = describeOutcomes(replay, (o) => o.why);
    if (outcomes.every((o) => o.replayed === false)) {
      if (multiqueue) report('queuePairsNotRestored', { target: target.name, why, pairs }, { path: '/mgmtdev', target: target.parent.name });
      else report('targetNoReplay', { target: target.name, why, pairsNote }, { path: '/mgmtdev', target: target.parent.name });
      return;
    }
    report('targetUnknown', { target: target.name, why, pairsNote }, { path: '/mgmtdev', target: target.parent.name });
  },
});
