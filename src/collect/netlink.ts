/**
 * The raw-netlink live source: speaks the kernel's `vdpa` generic-netlink
 * family through the optional `netlink` package (N-API, prebuilt for
 * linux-x64) and records every reply attribute, so a dump keeps what iproute2
 * never prints. When the package cannot load or the family is absent, it says
 * why and collection falls back to the vdpa tool.
 */
import { createRequire } from 'node:module';
import { CollectError } from '../errors.js';
import { SourceUnavailable, type LiveContext, type LiveSource } from './source.js';
import { VDPA_ATTR, VDPA_CMD, type NetlinkCapture, type RecordedAttr, type RecordedFailure, type RecordedReply } from './vdpa-netlink.js';

/** The parts of the `netlink` package used here (its own typings pin an old @types/node). */
interface GenlMessage {
  data: Buffer;
}
interface GenlSocket {
  socket: { close(): void };
  request(family: number, cmd: number, version: number, data: Uint8Array[], options: { flags?: number; timeout: number }): Promise<[GenlMessage[], unknown]>;
  ctrlRequest(cmd: number, message: Record<string, unknown>, options: { timeout: number }): Promise<Array<{ familyId?: number; version?: number; maxattr?: number }>>;
}
interface NetlinkBinding {
  createGenericNetlink(): GenlSocket;
  genl: { Commands: { GET_FAMILY: number } };
  FlagsGet: { DUMP: number };
  formatAttribute(attr: { type: number; data: Uint8Array }): Uint8Array[];
  parseAttributes(data: Buffer, fn: (attr: { type: number; data: Buffer }) => void): void;
}

/** Why raw netlink is not available here, or the binding. */
export function loadNetlinkBinding(): NetlinkBinding | string {
  try {
    // CommonJS with a native addon; resolved at run time, never bundled.
    return createRequire(import.meta.url)('netlink') as NetlinkBinding;
  } catch (error) {
    return `the optional netlink package cannot load (${(error as Error).message.split('\n')[0]})`;
  }
}

/** Kernel errno names for the failures the vdpa family returns (drivers/vdpa/vdpa.c, the vdpa_nl_cmd_* handlers). */
function errorName(error: unknown): RecordedFailure {
  const e = error as { code?: string; errno?: number; message?: string };
  const code = e.code ?? /\b(E[A-Z]+)\b/.exec(e.message ?? '')?.[1] ?? 'error';
  return e.message && !e.message.includes(code) ? { error: code, message: e.message } : { error: code };
}

function record(message: GenlMessage, binding: NetlinkBinding): RecordedReply {
  const attrs: RecordedAttr[] = [];
  binding.parseAttributes(message.data, (attr) => attrs.push([attr.type, attr.data.toString('hex')]));
  return { attrs };
}

function nameOf(reply: RecordedReply): string | null {
  const hex = reply.attrs.find(([type]) => type === VDPA_ATTR.DEV_NAME)?.[1];
  return hex === undefined ? null : Buffer.from(hex, 'hex').toString('utf8').replace(/\0.*$/s, '');
}

/**
 * Reads management devices and devices (dumps) and each device's config (one
 * request per device: kernel 6.1's config dump stops at the first block device).
 */
export async function captureNetlink(binding: NetlinkBinding, context: Pick<LiveContext, 'timeoutMs' | 'device'>): Promise<NetlinkCapture> {
  const socket = binding.createGenericNetlink();
  const options = { timeout: context.timeoutMs };
  try {
    let family;
    try {
      [family] = await socket.ctrlRequest(binding.genl.Commands.GET_FAMILY, { familyName: 'vdpa' }, options);
    } catch (error) {
      throw new SourceUnavailable(`the kernel has no vdpa netlink family (${errorName(error).error}): the vdpa module is not loaded`);
    }
    if (!family?.familyId) throw new SourceUnavailable('the kernel did not describe the vdpa netlink family');
    const id = family.familyId;
    const version = family.version ?? 1;
    const dump = async (cmd: number) => (await socket.request(id, cmd, version, [], { ...options, flags: binding.FlagsGet.DUMP }))[0].map((m) => record(m, binding));
    const mgmtdevs = await dump(VDPA_CMD.MGMTDEV_GET);
    const devices = await dump(VDPA_CMD.DEV_GET);
    // Without a prototype, so a device named __proto__ is recorded as an entry, not the object's prototype.
    const configs = Object.create(null) as NetlinkCapture['configs'];
    for (const reply of devices) {
      const name = nameOf(reply);
      if (name === null || (context.device !== undefined && name !== context.device)) continue;
      const attr = binding.formatAttribute({ type: VDPA_ATTR.DEV_NAME, data: Buffer.from(`${name}\0`) });
      try {
        const [messages] = await socket.request(id, VDPA_CMD.DEV_CONFIG_GET, version, attr, options);
        configs[name] = messages[0] ? record(messages[0], binding) : { error: 'no reply' };
      } catch (error) {
        configs[name] = errorName(error);
      }
    }
    return { format: 'vdpa-compat-netlink/1', family: { id, version, maxAttr: family.maxattr ?? 0 }, mgmtdevs, devices, configs };
  } catch (error) {
    if (error instanceof SourceUnavailable) throw error;
    if (/Timeout/.test((error as Error).message)) {
      throw new CollectError(
        'VDPA_TIMEOUT',
        `a vdpa netlink request did not finish within ${context.timeoutMs} ms`,
        'A hung vdpa netlink call usually means the kernel holds vdpa_dev_lock (check dmesg); raise --timeout only if the host is just slow.',
        { cause: error },
      );
    }
    throw new CollectError('VDPA_FAILED', `vdpa netlink request failed: ${(error as Error).message}`, 'Run `vdpa mgmtdev show` to see whether the kernel answers at all.', { cause: error });
  } finally {
    socket.socket.close();
  }
}

/** Raw netlink as a live source. */
export const netlinkSource: LiveSource = {
  name: 'netlink',
  async capture(_dump, context) {
    const binding = loadNetlinkBinding();
    if (typeof binding === 'string') throw new SourceUnavailable(binding);
    return { netlink: await captureNetlink(binding, context) };
  },
};
