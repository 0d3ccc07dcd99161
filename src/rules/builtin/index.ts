/** The built-in rules, in the order the report lists them. */
import type { Rule } from '../define.js';
import { blkMigration } from './blk-migration.js';
import { deviceClassMatch } from './device-class-match.js';
import { macMatch } from './mac-match.js';
import { maxVqPairs } from './max-vq-pairs.js';
import { maxVqSize } from './max-vq-size.js';
import { mtuMatch } from './mtu-match.js';
import { negotiatedFeaturesOffered } from './negotiated-features-offered.js';
import { targetUnused } from './target-unused.js';
import { targetVhostVdpa } from './target-vhost-vdpa.js';
import { transportFeatures } from './transport-features.js';

/** Every built-in rule. */
export const builtinRules: readonly Rule[] = [
  deviceClassMatch,
  negotiatedFeaturesOffered,
  transportFeatures,
  mtuMatch,
  macMatch,
  maxVqPairs,
  maxVqSize,
  targetVhostVdpa,
  targetUnused,
  blkMigration,
];
