/** The built-in rules, in the order the report lists them. */
import type { Rule } from '../define.js';
import { cvqIsolation } from './cvq-isolation.js';
import { deviceClassMatch } from './device-class-match.js';
import { hypervisorBlockers } from './hypervisor-blockers.js';
import { macMatch } from './mac-match.js';
import { maxVqPairs } from './max-vq-pairs.js';
import { maxVqSize } from './max-vq-size.js';
import { mtuMatch } from './mtu-match.js';
import { negotiatedFeaturesOffered } from './negotiated-features-offered.js';
import { svqOfferedFeatures } from './svq-offered-features.js';
import { targetUnused } from './target-unused.js';
import { targetVhostVdpa } from './target-vhost-vdpa.js';
import { vqState } from './vq-state.js';

/** Every built-in rule. */
export const builtinRules: readonly Rule[] = [deviceClassMatch, hypervisorBlockers, svqOfferedFeatures, negotiatedFeaturesOffered, mtuMatch, macMatch, maxVqPairs, maxVqSize, cvqIsolation, vqState, targetVhostVdpa, targetUnused];
