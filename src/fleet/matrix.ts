/**
 * The fleet matrix: for every ordered pair of hosts and every device class,
 * the best verdict for moving a VM's device from one to the other. Pure.
 *
 * Computed once per group of equivalent devices, then expanded to hosts. A
 * device group is every fact `check` reads of a device and its side: the
 * device itself (features, config, rings, driver, negotiation, unknown facts),
 * its management device (all but its address: the parent is told by bus,
 * driver and, for the simulator, its name) and its host (kernel, iproute2,
 * QEMU, libvirt; not the host name, which no built-in rule reads). The MAC is
 * per VM: a group keeps only its kind (none, all-zero, set), and two set MACs
 * are decided as different, which is never better for the pair than the same
 * MAC (mac-match passes equal MACs; `identical` needs them). A target host is
 * also what its management devices could provision (a plan: compatible after
 * provisioning), which depends on its management devices and which of them
 * already carry a device.
 *
 * Cell (A → B, class): for each device of the class on A, the best target on
 * B (a device of B, else a device a plan creates); the cell is the worst of
 * those over A's devices: a VM on any of A's devices of that class can move
 * to B at least that well. Hosts with the same groups share a row (as a
 * source) or a column (as a target), so the document stays as small as the
 * fleet's variety, not its size.
 */
import { canonicalJson } from '../profile/fingerprint.js';
import type { DeviceClass } from '../profile/feature-bits.js';
import type { DeviceDoc, MgmtdevDoc, Profile } from '../profile/types.js';
import { compileCheck, prepareSide, type CheckOptions, type PreparedSide } from '../verdict/check.js';
import type { Verdict } from '../verdict/types.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { freeDeviceName } from '../plan/fit.js';
import { planPrepared, preparePlanSource, type PlanSource } from '../plan/plan.js';

/** The version of the matrix document (schemas/matrix.v1.json). */
export const MATRIX_VERSION = '1.0.0';

/** Best first: the order cells and targets are ranked in. */
export const MATRIX_RANK: readonly Verdict[] = ['identical', 'compatible', 'compatible-after-provisioning', 'unverified', 'blocked-by-hypervisor', 'incompatible'];

/** One cell: the verdict and the finding codes that limited it (none for identical or compatible). */
export interface MatrixCell {
  verdict: Verdict;
  codes: string[];
}

/** One host: its row as a source and its column as a target, per class (null: no device of the class). */
export interface MatrixHost {
  input: string;
  hostname: string | null;
  rows: Partial<Record<DeviceClass, number>>;
  columns: Partial<Record<DeviceClass, number>>;
}

/** The matrix document (`kind: vdpa-compat/matrix`). */
export interface MatrixDocument {
  matrixVersion: string;
  kind: 'vdpa-compat/matrix';
  generator: { name: string; version: string };
  hosts: MatrixHost[];
  /** Per class: cells[row][column], rows and columns as the hosts name them. */
  classes: Partial<Record<DeviceClass, { rows: number; columns: number; cells: MatrixCell[][] }>>;
  /** How much work the groups saved: devices, device groups, pair checks and plans run. */
  stats: { hosts: number; devices: number; groups: number; checks: number; plans: number };
}

/** Options of {@link matrix}: the QEMU and VM settings check would take, for every pair. */
export interface MatrixOptions extends Pick<CheckOptions, 'strict' | 'allowUnverified' | 'vm' | 'sourceQemu' | 'targetQemu'> {
  /** Called now and then with (done, total) source device groups, for progress on a long run. */
  progress?: (done: number, total: number) => void;
}

/** What target-unused decides on: whether someone holds the device, not which pid (per host, per moment). */
const holdersKind = (holders: DeviceDoc['holders']) => (holders === undefined ? undefined : holders === null ? 'unknown' : holders.length > 0 ? 'held' : 'none');

const macKind = (mac: string | null) => (mac === null ? 'none' : /^(00:){5}00$/.test(mac) ? 'zero' : 'set');

/** The host's part of a group key: every host fact but its name. */
function hostPart(profile: Profile): string {
  const { hostname: _hostname, ...host } = profile.host;
  return canonicalJson(host);
}

/** A management device's part of a group key: all but its handle and address (the simulator's parent is known by its name, bus null; a bus device's by bus and driver). */
function mgmtdevPart(m: MgmtdevDoc | undefined): string {
  return m === undefined ? 'null' : canonicalJson({ ...m, handle: undefined, name: m.bus === null ? m.name : undefined, pci: m.pci === null ? null : { ...m.pci, address: undefined } });
}

/**
 * The key of a device's group: every fact the rules read of it and its side (module doc). Three
 * canonical JSON texts, host, management device and device, one a line (JSON text has no raw
 * newline, so the key tells them apart): a host's and its management devices' parts are made once
 * for all its devices (`parts`), not once per device.
 */
export function deviceGroupKey(profile: Profile, device: DeviceDoc, parts?: { host: string; mgmtdevs: ReadonlyMap<string, string> }): string {
  const host = parts?.host ?? hostPart(profile);
  const mgmtdev = parts?.mgmtdevs.get(device.mgmtdev) ?? mgmtdevPart(profile.mgmtdevs.find((x) => x.handle === device.mgmtdev));
  const { name: _name, mgmtdev: _mgmtdev, charDev: _charDev, fingerprint: _fingerprint, ...facts } = device;
  return `${host}\n${mgmtdev}\n${canonicalJson({ ...facts, holders: holdersKind(device.holders), config: { ...device.config, mac: macKind(device.config.mac) } })}`;
}

/**
 * What a plan on one management device depends on: the host's facts, the management device (not
 * its address), and whether it already carries a device (vp_vdpa keeps one per parent). A host
 * can provision what any of its management devices can, so plans are decided per management device.
 */
function mgmtdevKey(host: string, mgmtdev: string, used: boolean): string {
  return `${host}\n${mgmtdev}\n${used}`;
}

/** A device of a group: its host (by index) and its name. */
export interface Member {
  host: number;
  device: string;
}

const rank = (v: Verdict) => MATRIX_RANK.indexOf(v);

/** A MAC that differs from `mac`, locally administered: a pair of two devices of one group. */
function otherMac(mac: string): string {
  return mac.toLowerCase() === '02:00:00:00:00:01' ? '02:00:00:00:00:02' : '02:00:00:00:00:01';
}

/**
 * What deciding the matrix reads, as plain data (a worker thread gets a copy): the hosts, each
 * group's first two members and class, each management device's first host, each host's groups
 * and management devices, and the profiles those need.
 */
export interface MatrixJob {
  hosts: { input: string; hostname: string | null }[];
  members: Member[][];
  groupClass: DeviceClass[];
  mgmtAt: { host: number; index: number }[];
  hostGroups: Partial<Record<DeviceClass, number[]>>[];
  hostMgmt: number[][];
  kept: Map<number, Profile>;
  devices: number;
}

/**
 * One share of the decisions ({@link decideMatrixShare}): per class, for each source group of the
 * share, the best cell it gets in each column (`ids[i * columns + c]` into `cells`), and the pair
 * checks and plans it ran. Shares together hold every group once, so their counts add up.
 */
export interface MatrixShare {
  cells: MatrixCell[];
  best: Partial<Record<DeviceClass, { groups: number[]; ids: Uint32Array }>>;
  checks: number;
  plans: number;
}

/** The options a share is decided with: {@link MatrixOptions} without the progress callback (it crosses threads). */
export type MatrixShareOptions = Omit<MatrixOptions, 'progress'>;

/**
 * The matrix, a host at a time: `add` keys each host's devices and management devices and keeps a
 * profile only when it represents a group (its first two members) or a management device, so a
 * fleet's memory is its variety's, not its size's; `build` decides. {@link matrix} in one call.
 */
export class MatrixBuilder {
  private readonly groupIds = new Map<string, number>();
  /** Each group's first two members (a second one decides a group against itself). */
  private readonly members: Member[][] = [];
  private readonly groupClass: DeviceClass[] = [];
  /** Management devices by plan key: the first host and index that has each. */
  private readonly mgmtIds = new Map<string, number>();
  private readonly mgmtAt: { host: number; index: number }[] = [];
  /** Per host: its groups by class (sorted, distinct) and its management devices' plan keys. */
  private readonly hostGroups: Partial<Record<DeviceClass, number[]>>[] = [];
  private readonly hostMgmt: number[][] = [];
  private readonly hosts: { input: string; hostname: string | null }[] = [];
  /** The profiles some group or management device needs, by host index. */
  private readonly kept = new Map<number, Profile>();
  private devices = 0;

  /** Adds one host. */
  add(profile: Profile, input: string): void {
    const h = this.hosts.length;
    this.hosts.push({ input, hostname: profile.host.hostname });
    let keep = false;
    const byClass: Partial<Record<DeviceClass, number[]>> = {};
    const parts = { host: hostPart(profile), mgmtdevs: new Map<string, string>() };
    for (const m of profile.mgmtdevs) if (!parts.mgmtdevs.has(m.handle)) parts.mgmtdevs.set(m.handle, mgmtdevPart(m));
    for (const d of profile.devices) {
      this.devices++;
      const key = deviceGroupKey(profile, d, parts);
      let g = this.groupIds.get(key);
      if (g === undefined) {
        g = this.members.length;
        this.groupIds.set(key, g);
        this.members.push([]);
        this.groupClass.push(d.class);
      }
      const list = this.members[g] as Member[];
      if (list.length < 2) {
        list.push({ host: h, device: d.name });
        keep = true;
      }
      const groups = (byClass[d.class] ??= []);
      if (!groups.includes(g)) groups.push(g);
    }
    for (const list of Object.values(byClass)) list.sort((a, b) => a - b);
    this.hostGroups.push(byClass);
    const mgmt: number[] = [];
    profile.mgmtdevs.forEach((m, index) => {
      const key = mgmtdevKey(
        parts.host,
        parts.mgmtdevs.get(m.handle) ?? mgmtdevPart(m),
        profile.devices.some((d) => d.mgmtdev === m.handle),
      );
      let id = this.mgmtIds.get(key);
      if (id === undefined) {
        id = this.mgmtAt.length;
        this.mgmtIds.set(key, id);
        this.mgmtAt.push({ host: h, index });
        keep = true;
      }
      if (!mgmt.includes(id)) mgmt.push(id);
    });
    this.hostMgmt.push(mgmt.sort((a, b) => a - b));
    if (keep) this.kept.set(h, profile);
  }

  /** What deciding reads, for {@link decideMatrixShare} in other threads. */
  job(): MatrixJob {
    return { hosts: this.hosts, members: this.members, groupClass: this.groupClass, mgmtAt: this.mgmtAt, hostGroups: this.hostGroups, hostMgmt: this.hostMgmt, kept: this.kept, devices: this.devices };
  }

  /** Decides every cell, in this thread. */
  build(options: MatrixOptions = {}): MatrixDocument {
    const job = this.job();
    const { progress, ...shareOptions } = options;
    return assembleMatrix(job, [decideMatrixShare(job, shareOptions, 0, 1, progress)]);
  }
}

/** Every ordered pair of hosts × device class: the best verdict for moving a VM's device. */
export function matrix(fleet: readonly { profile: Profile; input: string }[], options: MatrixOptions = {}): MatrixDocument {
  const builder = new MatrixBuilder();
  for (const { profile, input } of fleet) builder.add(profile, input);
  return builder.build(options);
}

/** One class's rows (hosts with the same source groups) and columns (the same target groups and provisioning). */
interface Layout {
  rows: number[][];
  cols: { groups: number[]; mgmt: number[] }[];
  hostRow: (number | undefined)[];
  hostCol: number[];
}

function layoutOf(job: MatrixJob, cls: DeviceClass): Layout {
  const rowIds = new Map<string, number>();
  const colIds = new Map<string, number>();
  const layout: Layout = { rows: [], cols: [], hostRow: [], hostCol: [] };
  job.hosts.forEach((_, h) => {
    const groups = job.hostGroups[h]?.[cls] ?? [];
    let r: number | undefined;
    if (groups.length > 0) {
      const rk = groups.join(',');
      r = rowIds.get(rk);
      if (r === undefined) {
        r = layout.rows.length;
        rowIds.set(rk, r);
        layout.rows.push(groups);
      }
    }
    layout.hostRow.push(r);
    const mgmt = job.hostMgmt[h] ?? [];
    const ck = `${groups.join(',')}/${mgmt.join(',')}`;
    let c = colIds.get(ck);
    if (c === undefined) {
      c = layout.cols.length;
      colIds.set(ck, c);
      layout.cols.push({ groups, mgmt });
    }
    layout.hostCol.push(c);
  });
  return layout;
}

const classesOf = (job: MatrixJob): DeviceClass[] => [...new Set(job.groupClass)].sort();

/**
 * Share `share` of `shares` of the decisions: every `shares`-th source group (in class order, then
 * group order), against every column of its class. A group's pairs and plans are decided once,
 * in the share that holds it; the cell of a row is then the worst of its groups' ({@link assembleMatrix}).
 */
export function decideMatrixShare(job: MatrixJob, options: MatrixShareOptions, share: number, shares: number, progress?: (done: number, total: number) => void): MatrixShare {
  const { hosts, members, mgmtAt, kept } = job;
  const checkOptions: CheckOptions = {
    ...(options.strict !== undefined ? { strict: options.strict } : {}),
    ...(options.allowUnverified !== undefined ? { allowUnverified: options.allowUnverified } : {}),
    ...(options.vm !== undefined ? { vm: options.vm } : {}),
    ...(options.sourceQemu !== undefined ? { sourceQemu: options.sourceQemu } : {}),
    ...(options.targetQemu !== undefined ? { targetQemu: options.targetQemu } : {}),
  };
  const qemu = { source: options.sourceQemu !== undefined ? { qemu: options.sourceQemu } : {}, target: options.targetQemu !== undefined ? { qemu: options.targetQemu } : {} };
  let checks = 0;
  let plans = 0;
  const profileOf = (m: Member) => kept.get(m.host) as Profile;

  // The group being decided, its side prepared once (the rule view, the fingerprint, the format
  // findings): a check on prepared sides is the check, for a fraction of the work.
  let g = -1;
  let source: PreparedSide | null = null;
  const sourceOf = (): PreparedSide => {
    if (source === null) {
      const m = members[g]?.[0] as Member;
      source = prepareSide(profileOf(m), 'source', { device: m.device, input: hosts[m.host]?.input ?? '', ...qemu.source });
    }
    return source;
  };
  // The target of group t for the source group: a second member when it is one group, and a MAC of
  // its own when the two would share one (module doc: two set MACs are decided as different).
  const targets = new Map<string, PreparedSide>();
  // By member, not by host: a group's two members may be two devices of one host. A member's device
  // and its side without a MAC of its own are kept by number (the common case, once per check).
  const memberDocs = new Map<number, DeviceDoc>();
  const plainTargets = new Map<number, PreparedSide>();
  const targetOf = (t: number): PreparedSide => {
    const which = g === t && members[t]?.[1] !== undefined ? 1 : 0;
    const m = members[t]?.[which] as Member;
    const slot = t * 2 + which;
    let profile = profileOf(m);
    let doc = memberDocs.get(slot);
    if (doc === undefined) {
      const found = profile.devices.find((d) => d.name === m.device);
      if (found === undefined) throw new Error(`matrix: ${hosts[m.host]?.input ?? ''} has no device ${m.device}`);
      doc = found;
      memberDocs.set(slot, doc);
    }
    const sourceMac = sourceOf().side.doc.config.mac;
    const clash = sourceMac !== null && macKind(sourceMac) === 'set' && doc.config.mac?.toLowerCase() === sourceMac.toLowerCase();
    if (!clash) {
      let prepared = plainTargets.get(slot);
      if (prepared === undefined) {
        prepared = prepareSide(profile, 'target', { device: m.device, input: hosts[m.host]?.input ?? '', ...qemu.target });
        plainTargets.set(slot, prepared);
      }
      return prepared;
    }
    const mac = otherMac(sourceMac);
    const key = `${slot}/${mac}`;
    let prepared = targets.get(key);
    if (prepared === undefined) {
      const own = doc;
      profile = { ...profile, devices: profile.devices.map((d) => (d === own ? { ...d, config: { ...d.config, mac } } : d)) };
      prepared = prepareSide(profile, 'target', { device: m.device, input: hosts[m.host]?.input ?? '', ...qemu.target });
      targets.set(key, prepared);
    }
    return prepared;
  };
  // Source group → target group: one check, its verdict and codes only (no messages); each pair
  // once (every pair of the source group is decided while it is the group being decided).
  const decidePair = compileCheck(checkOptions) as NonNullable<ReturnType<typeof compileCheck>>;
  const decided = new Map<number, MatrixCell>();
  const decide = (t: number): MatrixCell => {
    const known = decided.get(t);
    if (known !== undefined) return known;
    checks++;
    const cell: MatrixCell = decidePair(sourceOf(), targetOf(t));
    decided.set(t, cell);
    return cell;
  };
  // Source group → a device a plan creates on one management device (of the first host that has it).
  const planned = new Map<number, boolean>();
  // Each management device as a plan's target host (it alone, with the devices it carries) and the
  // name a plan there gets: made once, for every source group.
  const planTargets = new Map<number, { target: Profile; name: string; input: string }>();
  const planTarget = (m: number) => {
    let known = planTargets.get(m);
    if (known === undefined) {
      const at = mgmtAt[m] as { host: number; index: number };
      const host = kept.get(at.host) as Profile;
      const mgmtdev = host.mgmtdevs[at.index] as MgmtdevDoc;
      known = { target: { ...host, mgmtdevs: [mgmtdev], devices: host.devices.filter((d) => d.mgmtdev === mgmtdev.handle) }, name: freeDeviceName(host), input: hosts[at.host]?.input ?? '' };
      planTargets.set(m, known);
    }
    return known;
  };
  // The group's source as a plan reads it, prepared once for all the management devices it is planned on.
  let planSource: PlanSource | null = null;
  const planSourceOf = (): PlanSource => {
    if (planSource === null) {
      const from = members[g]?.[0] as Member;
      planSource = preparePlanSource(profileOf(from), { sourceDevice: from.device, ...(checkOptions.vm !== undefined ? { vm: checkOptions.vm } : {}) });
    }
    return planSource;
  };
  const canPlan = (m: number): boolean => {
    const known = planned.get(m);
    if (known !== undefined) return known;
    const { target, name, input } = planTarget(m);
    plans++;
    // Proved as the pairs are: the compiled check, on the group's prepared source.
    const prove = (proof: Profile, device: string) => decidePair(sourceOf(), prepareSide(proof, 'target', { device, input, ...qemu.target }));
    const ok = planPrepared(planSourceOf(), target, { ...checkOptions, name, prove }).status === 'planned';
    planned.set(m, ok);
    return ok;
  };

  // The share's cells, each distinct verdict and codes once (they cross threads as numbers).
  const cells: MatrixCell[] = [];
  const cellIds = new Map<string, number>();
  // A group's decided cells recur across its columns: by identity first, then by content.
  const seen = new Map<MatrixCell, number>();
  const idOf = (cell: MatrixCell): number => {
    let id = seen.get(cell);
    if (id !== undefined) return id;
    const key = `${cell.verdict} ${cell.codes.join(' ')}`;
    id = cellIds.get(key);
    if (id === undefined) {
      id = cells.length;
      cellIds.set(key, id);
      cells.push(cell);
    }
    seen.set(cell, id);
    return id;
  };
  const classes = classesOf(job);
  const mine = classes
    .map((cls) => job.groupClass.flatMap((c, i) => (c === cls ? [i] : [])))
    .map((list, k, all) => {
      const before = all.slice(0, k).reduce((n, l) => n + l.length, 0);
      return list.filter((_, i) => (before + i) % shares === share);
    });
  const total = mine.reduce((n, l) => n + l.length, 0);
  let done = 0;
  const best: MatrixShare['best'] = {};
  classes.forEach((cls, k) => {
    const groups = mine[k] as number[];
    const { cols } = layoutOf(job, cls);
    const ids = new Uint32Array(groups.length * cols.length);
    groups.forEach((group, i) => {
      g = group;
      source = null;
      planSource = null;
      decided.clear();
      planned.clear();
      seen.clear();
      cols.forEach((col, c) => {
        let cell: MatrixCell | null = null;
        for (const t of col.groups) {
          const next = decide(t);
          if (cell === null || rank(next.verdict) < rank(cell.verdict)) cell = next;
          if (rank(cell.verdict) === 0) break;
        }
        // A plan for what no device takes; not when the hypervisor refuses (no device helps then).
        if (cell === null || cell.verdict === 'incompatible' || cell.verdict === 'unverified') {
          if (col.mgmt.some((m) => canPlan(m))) cell = { verdict: 'compatible-after-provisioning', codes: cell?.codes ?? [] };
          else cell ??= { verdict: 'incompatible', codes: [] };
        }
        ids[i * cols.length + c] = idOf(cell);
      });
      progress?.(++done, total);
    });
    best[cls] = { groups, ids };
  });
  return { cells, best, checks, plans };
}

/** The matrix document from the shares that together decided every source group of `job`. */
export function assembleMatrix(job: MatrixJob, shares: readonly MatrixShare[]): MatrixDocument {
  const doc: MatrixDocument = {
    matrixVersion: MATRIX_VERSION,
    kind: 'vdpa-compat/matrix',
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    hosts: job.hosts.map(({ input, hostname }) => ({ input, hostname, rows: {}, columns: {} })),
    classes: {},
    stats: { hosts: job.hosts.length, devices: job.devices, groups: job.members.length, checks: 0, plans: 0 },
  };
  for (const cls of classesOf(job)) {
    const { rows, cols, hostRow, hostCol } = layoutOf(job, cls);
    doc.hosts.forEach((host, h) => {
      const r = hostRow[h];
      if (r !== undefined) host.rows[cls] = r;
      host.columns[cls] = hostCol[h] as number;
    });
    // Where each source group's best cells are: its share and its place there.
    const at = new Map<number, { share: MatrixShare; ids: Uint32Array; offset: number }>();
    for (const share of shares) {
      const part = share.best[cls];
      part?.groups.forEach((g, i) => at.set(g, { share, ids: part.ids, offset: i * cols.length }));
    }
    // The cell of a row: the worst, over its groups, of the best target each has in the column.
    const cells = rows.map((sourceGroups) =>
      cols.map((_, c): MatrixCell => {
        let worst: MatrixCell | null = null;
        for (const g of sourceGroups) {
          const where = at.get(g);
          if (where === undefined) throw new Error(`matrix: no share decided group ${g}`);
          const cell = where.share.cells[where.ids[where.offset + c] as number] as MatrixCell;
          if (worst === null || rank(cell.verdict) > rank(worst.verdict)) worst = cell;
        }
        return worst ?? { verdict: 'incompatible', codes: [] };
      }),
    );
    doc.classes[cls] = { rows: rows.length, columns: cols.length, cells };
  }
  doc.stats.checks = shares.reduce((n, s) => n + s.checks, 0);
  doc.stats.plans = shares.reduce((n, s) => n + s.plans, 0);
  return doc;
}

/** The cell of one ordered pair of hosts (by index), or null when the source has no device of the class. */
export function matrixCell(doc: MatrixDocument, source: number, target: number, cls: DeviceClass): MatrixCell | null {
  const row = doc.hosts[source]?.rows[cls];
  const col = doc.hosts[target]?.columns[cls];
  if (row === undefined || col === undefined) return null;
  return doc.classes[cls]?.cells[row]?.[col] ?? null;
}
