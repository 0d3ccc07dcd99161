/**
 * A SOURCE or TARGET argument: a profile file (.yaml, .yml, .json) or a dump
 * directory, read into a profile.
 */
import { collect } from './collect/collect.js';
import { isDirectory } from './collect/dump.js';
import { loadProfile } from './profile/load.js';
import type { Profile } from './profile/types.js';

/** Loads a profile file, or collects a profile from a dump directory. */
export async function loadInput(path: string): Promise<Profile> {
  if (isDirectory(path)) return (await collect({ from: path })).profile;
  return loadProfile(path);
}
