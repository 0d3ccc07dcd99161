/**
 * Hook calls read back from a libvirtd debug log written with
 * `log_filters = "1:util.hook 1:util.command"` (libvirt 9.0). Each call is logged as
 *   virRunScript: Calling hook PATH id=DOMAIN op=OP subop=SUB extra=EXTRA
 *   [virCommandWait: … unexpected exit status N: STDERR]     (only when it fails)
 *   virCommandRun: Result status 0, stdout: 'OUT' stderr: 'ERR'
 * on one thread. The "Result status" line says 0 even for a hook that failed: the exit status is
 * in the virCommandWait error before it (lab/libvirt-migration.md). Quoted output may span lines.
 */

/** One hook run by libvirt, and how it ended. */
export interface HookCall {
  /** The script, as libvirt named it (a path in the daemon's view). */
  script: string;
  domain: string;
  operation: string;
  subOperation: string;
  extra: string;
  /** The script's exit status. */
  status: number;
  stdout: string;
  stderr: string;
  /** libvirt wrote the XML after the script had closed its stdin ("ignoring EPIPE"). */
  stdinClosedEarly: boolean;
  /** The log's thread id and timestamp of the "Calling hook" line. */
  thread: string;
  at: string;
}

/** A log record: one timestamped line and the lines that continue it. */
const RECORD = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}[+-]\d{4}): (\d+): (\w+) : (\w+):\d+ : ([\s\S]*)$/;
const CALLING = /^Calling hook (\S+) id=(.*) op=(\S+) subop=(\S+) extra=(.*)$/;
const WAIT_FAILED = /unexpected exit status (\d+)(?::|$)/;
const RESULT = /^Result (?:exit )?status (-?\d+), stdout: '([\s\S]*)' stderr: '([\s\S]*)'$/;

/** Every hook call in a libvirtd log, in the order libvirt made them. */
export function hookCalls(log: string): HookCall[] {
  const records: Array<{ at: string; thread: string; func: string; text: string }> = [];
  // Without the newline that ends the file, which would otherwise continue the last record.
  for (const line of log.replace(/\n$/, '').split('\n')) {
    const match = RECORD.exec(line);
    if (match) records.push({ at: match[1] ?? '', thread: match[2] ?? '', func: match[4] ?? '', text: match[5] ?? '' });
    else if (records.length > 0) records[records.length - 1]!.text += `\n${line}`;
  }
  const calls: HookCall[] = [];
  const open = new Map<string, { call: Omit<HookCall, 'status' | 'stdout' | 'stderr' | 'stdinClosedEarly'>; failed: number | null; epipe: boolean }>();
  for (const record of records) {
    const pending = open.get(record.thread);
    const calling = record.func === 'virRunScript' ? CALLING.exec(record.text) : null;
    if (calling) {
      open.set(record.thread, {
        call: { script: calling[1] ?? '', domain: calling[2] ?? '', operation: calling[3] ?? '', subOperation: calling[4] ?? '', extra: calling[5] ?? '', thread: record.thread, at: record.at },
        failed: null,
        epipe: false,
      });
      continue;
    }
    if (pending === undefined) continue;
    if (record.func === 'virCommandWait') {
      const failed = WAIT_FAILED.exec(record.text);
      if (failed) pending.failed = Number(failed[1]);
    } else if (record.func === 'virCommandProcessIO' && record.text.includes('child closed stdin early')) {
      pending.epipe = true;
    } else if (record.func === 'virCommandRun') {
      const result = RESULT.exec(record.text);
      if (!result) continue;
      calls.push({ ...pending.call, status: pending.failed ?? Number(result[1]), stdout: result[2] ?? '', stderr: result[3] ?? '', stdinClosedEarly: pending.epipe });
      open.delete(record.thread);
    }
  }
  return calls;
}

/** The log records of hook calls only (what the fixtures keep of a libvirtd log). */
export function hookCallLines(log: string, scripts: (script: string) => boolean = () => true): string {
  const kept: string[] = [];
  const inCall = new Map<string, boolean>();
  let keeping = false;
  for (const line of log.split('\n')) {
    const match = RECORD.exec(line);
    if (!match) {
      if (keeping) kept.push(line);
      continue;
    }
    const thread = match[2] ?? '';
    const func = match[4] ?? '';
    const calling = func === 'virRunScript' ? CALLING.exec(match[5] ?? '') : null;
    if (calling) inCall.set(thread, scripts(calling[1] ?? ''));
    keeping = inCall.get(thread) === true && ['virRunScript', 'virCommandRunAsync', 'virCommandWait', 'virCommandProcessIO', 'virCommandRun'].includes(func);
    if (keeping) kept.push(line);
    if (func === 'virCommandRun' && RESULT.test(match[5] ?? '')) inCall.delete(thread);
  }
  return kept.length === 0 ? '' : `${kept.join('\n')}\n`;
}
