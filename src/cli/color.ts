/** Whether the text report is coloured. */
import type { Io } from './io.js';

/** --color's values. */
export type ColorMode = 'auto' | 'always' | 'never';

/**
 * --color always/never decides outright. Under auto, FORCE_COLOR decides when
 * set (as in Node and most tools: "0" and "false" turn colour off, anything
 * else, the empty string included, on); then a non-empty NO_COLOR turns it off
 * (no-color.org: an empty NO_COLOR is unset); else a terminal that is not
 * TERM=dumb gets colour.
 */
export function useColor(mode: ColorMode, io: Pick<Io, 'stdout' | 'env'>): boolean {
  if (mode !== 'auto') return mode === 'always';
  const force = io.env['FORCE_COLOR'];
  if (force !== undefined) return !/^(0|false)$/i.test(force);
  if ((io.env['NO_COLOR'] ?? '') !== '') return false;
  return io.stdout.isTTY === true && io.env['TERM'] !== 'dumb';
}
