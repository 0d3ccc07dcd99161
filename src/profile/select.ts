/** Picking the device to check on each side of a migration pair. */
import { UsageError } from '../errors.js';
import type { Profile } from './types.js';

/**
 * The index of the device to use: the named one, or the only one. Several
 * devices and no name, or an unknown name, is a usage error listing the names.
 */
export function selectDevice(profile: Profile, name: string | undefined, side: 'source' | 'target', input: string): number {
  const names = profile.devices.map((d) => d.name);
  if (name !== undefined) {
    const index = names.indexOf(name);
    if (index === -1) {
      throw new UsageError(
        'UNKNOWN_DEVICE',
        `${input}: no vdpa device "${name}" (${side}); it has ${names.length === 0 ? 'none' : names.join(', ')}`,
        names.length === 0 ? 'Collect the host again after `vdpa dev add`.' : `Pass one of those names to --${side}-device.`,
      );
    }
    return index;
  }
  if (names.length === 1) return 0;
  if (names.length === 0) {
    throw new UsageError('NO_DEVICE', `${input}: has no vdpa devices (${side})`, 'Create one with `vdpa dev add name NAME mgmtdev MGMTDEV` and collect again.');
  }
  throw new UsageError('AMBIGUOUS_DEVICE', `${input}: has ${names.length} vdpa devices (${names.join(', ')}); say which is the ${side}`, `Pass --${side}-device NAME.`);
}
