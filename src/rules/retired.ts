/**
 * Finding codes that existed once and must never be given to another check
 * (codes are permanent; STYLE.md "One rule"), with what replaced each.
 */
export const retiredCodes: Readonly<Record<string, string>> = {
  // 0.2: the shadow virtqueue checks every offered bit, per QEMU version (svq-offered-features).
  'transport-features/targetMissing': 'svq-offered-features/targetMissing',
  'transport-features/sourceMissing': 'svq-offered-features/sourceMissing',
  'transport-features/unverified': 'svq-offered-features/sourceUnverified, svq-offered-features/targetUnverified',
  // 0.2: no blocker for libblkio block devices; shared storage is the question (hypervisor-blockers).
  'blk-migration/likelyBlocked': 'hypervisor-blockers/blockSharedStorage',
  // 0.2: a larger target MTU migrates and works (measured); only a smaller one fails.
  'mtu-match/mismatch': 'mtu-match/targetSmaller',
  // 0.2: QEMU writes the domain MAC at start and MAC is QEMU's own feature (mac-match).
  'mac-match/mismatchBeforeNegotiation': 'mac-match/parentUnknown',
  'mac-match/targetNoMac': 'mac-match/unverified',
  'mac-match/notInPlay': 'mac-match (the guest always has a MAC)',
  // 0.2: max_queue_pairs must be equal whenever either device offers MQ.
  'max-vq-pairs/tooFew': 'max-vq-pairs/differ',
  'max-vq-pairs/more': 'max-vq-pairs/differ',
  'max-vq-pairs/singleQueue': 'max-vq-pairs/differ (what the guest negotiated does not matter)',
  // 0.2: the ring the source uses, per QEMU version and target kernel.
  'max-vq-size/possiblyTooSmall': 'max-vq-size/aboveMax',
};
