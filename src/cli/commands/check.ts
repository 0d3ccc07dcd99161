/** `vdpa-compat check SOURCE TARGET`: the verdict on one migration pair. */
import { loadInput } from '../../input.js';
import { check } from '../../verdict/check.js';
import { renderJson } from '../../verdict/render-json.js';
import { renderText } from '../../verdict/render-text.js';
import { EXIT } from '../exit.js';
import type { Io } from '../io.js';

/** Options of the check command. */
export interface CheckCommandOptions {
  sourceDevice?: string;
  targetDevice?: string;
  json: boolean;
  format?: 'text' | 'json' | 'junit';
  strict: boolean;
  color?: boolean;
}

/** Loads both sides, checks, prints; exit 0 compatible, 1 incompatible. */
export async function checkCommand(source: string, target: string, options: CheckCommandOptions, io: Io): Promise<number> {
  const [sourceProfile, targetProfile] = await Promise.all([loadInput(source), loadInput(target)]);
  const report = check(sourceProfile, targetProfile, {
    ...(options.sourceDevice !== undefined ? { sourceDevice: options.sourceDevice } : {}),
    ...(options.targetDevice !== undefined ? { targetDevice: options.targetDevice } : {}),
    strict: options.strict,
    sourceInput: source,
    targetInput: target,
  });
  const format = options.format ?? (options.json ? 'json' : 'text');
  if (format === 'json') {
    io.stdout.write(renderJson(report));
  } else if (format === 'junit') {
    // Loaded only for JUnit: the XML builder is not needed by any other output.
    io.stdout.write((await import('../../verdict/render-junit.js')).renderJunit(report));
  } else {
    const color = options.color ?? (io.stdout.isTTY === true && io.env['NO_COLOR'] === undefined);
    io.stdout.write(renderText(report, { color }));
  }
  return report.verdict === 'compatible' ? EXIT.OK : EXIT.INCOMPATIBLE;
}
