/**
 * A SOURCE or TARGET argument: a profile file (.yaml, .yml, .json) or a dump
 * directory, read into a profile.
 */
import { isDirectory } from './collect/dump.js';
import { loadProfile } from './profile/load.js';
import type { Profile } from './profile/types.js';

/** Loads a profile file, or collects a profile from a dump directory. */
export async function loadInput(path: string): Promise<Profile> {
  // The collector is loaded only for dump directories; profile files never need it.
  if (isDirectory(path)) return (await (await import('./collect/collect.js')).collect({ from: path })).profile;
  return loadProfile(path);
}
