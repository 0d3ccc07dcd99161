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
import { plan } from '../plan/plan.js';

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
  /** Called now and then with (done, total) source rows, for progress on a long run. */
  progress?: (done: number, total: number) => void;
}

const macKind = (mac: string | null) => (mac === null ? 'none' : /^(00:){5}00$/.test(mac) ? 'zero' : 'set');

/** The key of a device's group: every fact the rules read of it and its side (module doc). */
export function deviceGroupKey(profile: Profile, device: DeviceDoc): string {
  const { hostname: _hostname, ...host } = profile.host;
  const m = profile.mgmtdevs.find((x) => x.handle === device.mgmtdev);
  // The simulator's parent is known by its name (bus null); a bus device's by bus and driver.
  const mgmtdev = m === undefined ? null : { ...m, handle: undefined, name: m.bus === null ? m.name : undefined, pci: m.pci === null ? null : { ...m.pci, address: undefined } };
  const { name: _name, mgmtdev: _mgmtdev, charDev: _charDev, fingerprint: _fingerprint, ...facts } = device;
  return canonicalJson({ host, mgmtdev, device: { ...facts, config: { ...device.config, mac: macKind(device.config.mac) } } });
}

/**
 * What a plan on one management device depends on: the host's facts, the management device (not
 * its address), and whether it already carries a device (vp_vdpa keeps one per parent). A host
 * can provision what any of its management devices can, so plans are decided per management device.
 */
function mgmtdevKey(profile: Profile, index: number): string {
  const { hostname: _hostname, ...host } = profile.host;
  const m = profile.mgmtdevs[index] as MgmtdevDoc;
  const used = profile.devices.some((d) => d.mgmtdev === m.handle);
  return canonicalJson({ host, mgmtdev: { ...m, handle: undefined, name: m.bus === null ? m.name : undefined, pci: m.pci === null ? null : { ...m.pci, address: undefined } }, used });
}

interface Member {
  host: number;
  device: string;
}

const rank = (v: Verdict) => MATRIX_RANK.indexOf(v);

/** A MAC that differs from `mac`, locally administered: a pair of two devices of one group. */
function otherMac(mac: string): string {
  return mac.toLowerCase() === '02:00:00:00:00:01' ? '02:00:00:00:00:02' : '02:00:00:00:00:01';
}

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
    for (const d of profile.devices) {
      this.devices++;
      const key = deviceGroupKey(profile, d);
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
    profile.mgmtdevs.forEach((_, index) => {
      const key = mgmtdevKey(profile, index);
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

  /** Decides every cell. */
  build(options: MatrixOptions = {}): MatrixDocument {
    return decideMatrix(this.hosts, this.members, this.groupClass, this.mgmtAt, this.hostGroups, this.hostMgmt, this.kept, this.devices, options);
  }
}

/** Every ordered pair of hosts × device class: the best verdict for moving a VM's device. */
export function matrix(fleet: readonly { profile: Profile; input: string }[], options: MatrixOptions = {}): MatrixDocument {
  const builder = new MatrixBuilder();
  for (const { profile, input } of fleet) builder.add(profile, input);
  return builder.build(options);
}

function decideMatrix(
  hosts: readonly { input: string; hostname: string | null }[],
  members: readonly Member[][],
  groupClass: readonly DeviceClass[],
  mgmtAt: readonly { host: number; index: number }[],
  hostGroups: readonly Partial<Record<DeviceClass, number[]>>[],
  hostMgmt: readonly number[][],
  kept: ReadonlyMap<number, Profile>,
  devices: number,
  options: MatrixOptions,
): MatrixDocument {
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

  // Each group's sides prepared once (the rule view, the fingerprint, the format findings): a
  // check on prepared sides is the check, for a fraction of the work.
  const sources = new Map<number, PreparedSide>();
  const targets = new Map<string, PreparedSide>();
  const sourceOf = (g: number): PreparedSide => {
    let prepared = sources.get(g);
    if (prepared === undefined) {
      const m = members[g]?.[0] as Member;
      prepared = prepareSide(profileOf(m), 'source', { device: m.device, input: hosts[m.host]?.input ?? '', ...qemu.source });
      sources.set(g, prepared);
    }
    return prepared;
  };
  // The target of group t for a source of group g: a second member when it is one group, and a MAC of
  // its own when the two would share one (module doc: two set MACs are decided as different).
  const targetOf = (g: number, t: number): PreparedSide => {
    const m = (g === t ? (members[t]?.[1] ?? members[t]?.[0]) : members[t]?.[0]) as Member;
    const sourceMac = sourceOf(g).side.doc.config.mac;
    let profile = profileOf(m);
    const doc = profile.devices.find((d) => d.name === m.device) as DeviceDoc;
    const clash = sourceMac !== null && macKind(sourceMac) === 'set' && doc.config.mac?.toLowerCase() === sourceMac.toLowerCase();
    const key = `${t}/${m.host}/${clash ? otherMac(sourceMac ?? '') : ''}`;
    let prepared = targets.get(key);
    if (prepared === undefined) {
      if (clash) profile = { ...profile, devices: profile.devices.map((d) => (d === doc ? { ...d, config: { ...d.config, mac: otherMac(sourceMac ?? '') } } : d)) };
      prepared = prepareSide(profile, 'target', { device: m.device, input: hosts[m.host]?.input ?? '', ...qemu.target });
      targets.set(key, prepared);
    }
    return prepared;
  };
  // Source group → target group: one check, its verdict and codes only (no messages).
  const decidePair = compileCheck(checkOptions) as NonNullable<ReturnType<typeof compileCheck>>;
  const decided = new Map<number, MatrixCell>();
  const decide = (g: number, t: number): MatrixCell => {
    const key = g * members.length + t;
    const known = decided.get(key);
    if (known !== undefined) return known;
    checks++;
    const cell: MatrixCell = decidePair(sourceOf(g), targetOf(g, t));
    decided.set(key, cell);
    return cell;
  };
  // Source group → a device a plan creates on one management device (of the first host that has it).
  const planned = new Map<number, boolean>();
  const canPlan = (g: number, m: number): boolean => {
    const key = g * mgmtAt.length + m;
    const known = planned.get(key);
    if (known !== undefined) return known;
    const from = members[g]?.[0] as Member;
    const at = mgmtAt[m] as { host: number; index: number };
    const host = kept.get(at.host) as Profile;
    const mgmtdev = host.mgmtdevs[at.index] as MgmtdevDoc;
    const target: Profile = { ...host, mgmtdevs: [mgmtdev], devices: host.devices.filter((d) => d.mgmtdev === mgmtdev.handle) };
    plans++;
    // Proved as the pairs are: the compiled check, on the group's prepared source.
    const prove = (proof: Profile, name: string) => decidePair(sourceOf(g), prepareSide(proof, 'target', { device: name, input: hosts[at.host]?.input ?? '', ...qemu.target }));
    const ok = plan(profileOf(from), target, { ...checkOptions, sourceDevice: from.device, name: freeDeviceName(host), prove }).status === 'planned';
    planned.set(key, ok);
    return ok;
  };

  const classes = [...new Set(groupClass)].sort();
  const doc: MatrixDocument = {
    matrixVersion: MATRIX_VERSION,
    kind: 'vdpa-compat/matrix',
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    hosts: hosts.map(({ input, hostname }) => ({ input, hostname, rows: {}, columns: {} })),
    classes: {},
    stats: { hosts: hosts.length, devices, groups: members.length, checks: 0, plans: 0 },
  };
  for (const cls of classes) {
    // Rows: hosts with the same source groups; columns: the same target groups and provisioning.
    const rowIds = new Map<string, number>();
    const rows: number[][] = [];
    const colIds = new Map<string, number>();
    const cols: { groups: number[]; mgmt: number[] }[] = [];
    hosts.forEach((_, h) => {
      const groups = hostGroups[h]?.[cls] ?? [];
      const host = doc.hosts[h] as MatrixHost;
      if (groups.length > 0) {
        const rk = groups.join(',');
        let r = rowIds.get(rk);
        if (r === undefined) {
          r = rows.length;
          rowIds.set(rk, r);
          rows.push(groups);
        }
        host.rows[cls] = r;
      }
      const mgmt = hostMgmt[h] ?? [];
      const ck = `${groups.join(',')}/${mgmt.join(',')}`;
      let c = colIds.get(ck);
      if (c === undefined) {
        c = cols.length;
        colIds.set(ck, c);
        cols.push({ groups, mgmt });
      }
      host.columns[cls] = c;
    });
    const cells: MatrixCell[][] = [];
    rows.forEach((sourceGroups, r) => {
      const row: MatrixCell[] = [];
      for (const col of cols) {
        let worst: MatrixCell | null = null;
        for (const g of sourceGroups) {
          let best: MatrixCell | null = null;
          for (const t of col.groups) {
            const cell = decide(g, t);
            if (best === null || rank(cell.verdict) < rank(best.verdict)) best = cell;
            if (rank(best.verdict) === 0) break;
          }
          // A plan for what no device takes; not when the hypervisor refuses (no device helps then).
          if (best === null || best.verdict === 'incompatible' || best.verdict === 'unverified') {
            if (col.mgmt.some((m) => canPlan(g, m))) best = { verdict: 'compatible-after-provisioning', codes: best?.codes ?? [] };
            else best ??= { verdict: 'incompatible', codes: [] };
          }
          if (worst === null || rank(best.verdict) > rank(worst.verdict)) worst = best;
        }
        row.push(worst ?? { verdict: 'incompatible', codes: [] });
      }
      cells.push(row);
      options.progress?.(r + 1, rows.length);
    });
    doc.classes[cls] = { rows: rows.length, columns: cols.length, cells };
  }
  doc.stats.checks = checks;
  doc.stats.plans = plans;
  return doc;
}

/** The cell of one ordered pair of hosts (by index), or null when the source has no device of the class. */
export function matrixCell(doc: MatrixDocument, source: number, target: number, cls: DeviceClass): MatrixCell | null {
  const row = doc.hosts[source]?.rows[cls];
  const col = doc.hosts[target]?.columns[cls];
  if (row === undefined || col === undefined) return null;
  return doc.classes[cls]?.cells[row]?.[col] ?? null;
}
