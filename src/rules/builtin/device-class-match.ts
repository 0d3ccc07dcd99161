/** The target must be the same kind of virtio device as the source. */
import { defineRule } from '../define.js';

const BOTH_UNKNOWN = ['unknownClass', 'unknownClass'] as const;

export const deviceClassMatch = defineRule({
  id: 'device-class-match',
  summary: 'Source and target are the same virtio device class',
  messages: {
    mismatch: {
      severity: 'error',
      remedy: 'reprovision-target',
      text: 'source {source} is a {sourceClass} device (virtio id {sourceId}), target {target} is a {targetClass} device (virtio id {targetId})',
      fix: 'Use a target vdpa device of class {sourceClass}: create it on a management device whose supported_classes include it (`vdpa mgmtdev show`).',
    },
    unknownClass: {
      severity: 'warning',
      remedy: 'collect-more-facts',
      unverified: true,
      text: 'the virtio device class of {side} device {device} is not one vdpa-compat knows (iproute2 printed an unknown type)',
      fix: 'Check `vdpa dev show {device}`; only net and block vdpa devices are checked.',
    },
  },
  fast: {
    prepare: (side) => side.doc.virtioDeviceId,
    decide(s, t) {
      if (s !== null && t !== null) return s === t ? null : 'mismatch';
      return s === null && t === null ? BOTH_UNKNOWN : 'unknownClass';
    },
  },
  check({ source, target, report }) {
    for (const [side, facts] of [
      ['source', source],
      ['target', target],
    ] as const) {
      if (facts.doc.virtioDeviceId === null) {
        report('unknownClass', { side, device: facts.name }, { path: '/virtioDeviceId', [side]: null });
      }
    }
    const s = source.doc.virtioDeviceId;
    const t = target.doc.virtioDeviceId;
    if (s !== null && t !== null && s !== t) {
      report('mismatch', { source: source.name, target: target.name, sourceClass: source.cls, targetClass: target.cls, sourceId: s, targetId: t }, { path: '/virtioDeviceId', source: s, target: t });
    }
  },
});
