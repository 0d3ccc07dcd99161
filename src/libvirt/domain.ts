/**
 * A libvirt domain XML as libvirt itself reads it (docs/formatdomain.rst):
 * every `<interface type='vdpa'>` and `<disk type='vhostvdpa'>` in every
 * `<devices>` element (libvirt's XPath `./devices/interface` walks them all),
 * with what QEMU makes of them (`<source dev>`, `<model>`, `<driver
 * rx_queue_size/tx_queue_size/queues>`, `<mtu size>` = QEMU's host_mtu), the
 * `<emulator>`, x-svq given through `<qemu:commandline>`, and our own
 * `<metadata>` element. vDPA use the hook cannot check (a vhost-vdpa netdev or
 * device passed on the QEMU command line) is listed, never ignored.
 */
import { InputError } from '../errors.js';
import { ANNOTATION_NS } from './namespace.js';
import { attribute, childrenNamed, DOMAIN_XML_LIMITS, parseXml, type XmlElement } from './xml.js';

/** Domain XML is kilobytes; refuse what could only be a mistake or an attack. */
export const MAX_DOMAIN_XML = DOMAIN_XML_LIMITS.maxBytes;

/** More vDPA devices than a VM can have (PCI slots) is not a domain libvirt runs. */
export const MAX_DOMAIN_DEVICES = 256;

/** libvirt's namespace for `<qemu:commandline>` and `<qemu:override>`. */
const QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0';

/** A vdpa device of the domain: which guest device it is, which host char device backs it, how QEMU drives it. */
export interface DomainVdpaDevice {
  kind: 'interface' | 'disk';
  /** How the guest knows it: the interface's MAC (lower case), or the disk's target dev (vdg). */
  key: string;
  /** `<source dev>`: /dev/vhost-vdpa-N on the host the XML is for. */
  charDev: string | null;
  /** `<model type>` of an interface; null when libvirt's default (virtio) applies. */
  model: string | null;
  /** `<driver rx_queue_size>` / `tx_queue_size`: the ring sizes QEMU asks for (default 256). */
  rxQueueSize: number | null;
  txQueueSize: number | null;
  /** `<driver queues>`. */
  queues: number | null;
  /** `<mtu size>`: QEMU's host_mtu, which makes F_MTU QEMU's own (x-mtu-bypass-backend). */
  hostMtu: number | null;
}

/** What the domain says about the VMM that runs it. */
export interface DomainVmm {
  /** `<devices><emulator>`: the QEMU binary libvirt runs. */
  emulator: string | null;
  /** x-svq=on given through `<qemu:commandline>` (libvirt itself has no knob for it). */
  xSvq: boolean;
}

/** One device entry of our metadata: the source device's profile, as JSON text. */
export interface AnnotatedDevice {
  kind: 'interface' | 'disk';
  key: string;
  fingerprint: string | null;
  profile: string;
  /** How the source QEMU drove it when annotated (null: not recorded). */
  rxQueueSize: number | null;
  txQueueSize: number | null;
  hostMtu: number | null;
  model: string | null;
}

/** The source host's VMM as `annotate` recorded it. */
export interface AnnotatedVmm {
  emulator: string | null;
  /** QEMU's version, e.g. 10.0.2; null when it could not be read. */
  version: string | null;
  /** The first line `--version` printed. */
  versionText: string | null;
  xSvq: boolean | null;
}

/** Our metadata element: the source profiles, and the source VMM. */
export interface Annotation {
  devices: AnnotatedDevice[];
  vmm: AnnotatedVmm | null;
}

/** What the hook and annotate need from a domain XML. */
export interface DomainInfo {
  name: string | null;
  devices: DomainVdpaDevice[];
  /** vDPA use the domain has that vdpa-compat cannot check (the hook vetoes it). */
  unchecked: string[];
  vmm: DomainVmm;
  /** Our metadata element, when present. */
  annotation: Annotation | null;
}

const DOMAIN_HINT = 'Pass the domain XML libvirt gives hooks on stdin, or `virsh dumpxml DOMAIN` output.';

function positive(element: XmlElement | undefined, name: string, where: string): number | null {
  const text = attribute(element, name, where);
  if (text === null) return null;
  const value = Number(text);
  if (!/^\d{1,9}$/.test(text.trim()) || value <= 0) {
    throw new InputError('DOMAIN_XML_INVALID', `${where}: line ${element?.line}: <${element?.local} ${name}='${text}'> must be a positive integer`, DOMAIN_HINT);
  }
  return value;
}

function first(element: XmlElement, local: string): XmlElement | undefined {
  return childrenNamed(element, local)[0];
}

/** Device properties set through `<qemu:override>`, by device alias (libvirt >= 8.2). */
type Overrides = Map<string, Map<string, string>>;

/** The interface or disk entry, or null when it is not a vDPA device. */
function vdpaDevice(element: XmlElement, where: string, overrides: Overrides): DomainVdpaDevice | null {
  const type = attribute(element, 'type', where);
  const kind = element.local === 'interface' && type === 'vdpa' ? 'interface' : element.local === 'disk' && type === 'vhostvdpa' ? 'disk' : null;
  if (kind === null) {
    // libvirt compares types exactly; a near miss is a domain libvirt refuses or a trick, never a pass.
    if (type !== null && /vdpa/i.test(type)) {
      throw new InputError('DOMAIN_XML_INVALID', `${where}: line ${element.line}: <${element.local} type='${type}'> is not a type libvirt knows`, DOMAIN_HINT);
    }
    return null;
  }
  const driver = first(element, 'driver');
  const key = kind === 'interface' ? attribute(first(element, 'mac'), 'address', where)?.toLowerCase() : attribute(first(element, 'target'), 'dev', where);
  if (!key) {
    throw new InputError(
      'DOMAIN_XML_INVALID',
      `${where}: line ${element.line}: the ${kind} has no ${kind === 'interface' ? '<mac address=…>' : '<target dev=…>'}`,
      'Use the XML of a defined domain (`virsh dumpxml DOMAIN`): libvirt fills it in.',
    );
  }
  // libvirt refuses <mtu> on a vdpa interface; host_mtu and ring sizes can still reach QEMU as overrides.
  const alias = attribute(first(element, 'alias'), 'name', where);
  const own = alias === null ? undefined : overrides.get(alias);
  const fromOverride = (name: string): number | null => {
    const text = own?.get(name);
    return text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : null;
  };
  return {
    kind,
    key,
    charDev: attribute(first(element, 'source'), 'dev', where),
    model: kind === 'interface' ? attribute(first(element, 'model'), 'type', where) : null,
    rxQueueSize: fromOverride('rx_queue_size') ?? positive(driver, 'rx_queue_size', where),
    txQueueSize: fromOverride('tx_queue_size') ?? positive(driver, 'tx_queue_size', where),
    queues: positive(driver, 'queues', where),
    hostMtu: kind === 'interface' ? (fromOverride('host_mtu') ?? positive(first(element, 'mtu'), 'size', where)) : null,
  };
}

/**
 * Arguments passed to QEMU as they are (`<qemu:commandline><qemu:arg value>`)
 * and device properties set with `<qemu:override><qemu:device alias><qemu:frontend><qemu:property>`.
 */
function qemuPassthrough(domain: XmlElement, where: string): { args: string[]; properties: Array<{ name: string; value: string }>; overrides: Overrides } {
  const args: string[] = [];
  const properties: Array<{ name: string; value: string }> = [];
  const overrides: Overrides = new Map();
  for (const commandline of childrenNamed(domain, 'commandline', QEMU_NS)) {
    for (const arg of childrenNamed(commandline, 'arg', QEMU_NS)) args.push(attribute(arg, 'value', where) ?? '');
  }
  for (const override of childrenNamed(domain, 'override', QEMU_NS)) {
    for (const device of childrenNamed(override, 'device', QEMU_NS)) {
      const alias = attribute(device, 'alias', where) ?? '';
      const props = overrides.get(alias) ?? new Map<string, string>();
      for (const frontend of childrenNamed(device, 'frontend', QEMU_NS)) {
        for (const property of childrenNamed(frontend, 'property', QEMU_NS)) {
          const name = attribute(property, 'name', where) ?? '';
          const value = attribute(property, 'value', where) ?? '';
          props.set(name, value);
          properties.push({ name, value });
        }
      }
      overrides.set(alias, props);
    }
  }
  return { args, properties, overrides };
}

const ON = /^(on|true|yes|y)$/i;

function annotatedDevice(element: XmlElement, where: string): AnnotatedDevice {
  const kindText = attribute(element, 'kind', where);
  if (kindText !== 'interface' && kindText !== 'disk') {
    throw new InputError('ANNOTATION_INVALID', `${where}: line ${element.line}: <device kind='${kindText ?? ''}'> must be interface or disk`, 'Write the annotation again with `vdpa-compat annotate`.');
  }
  const key = kindText === 'disk' ? attribute(element, 'target', where) : attribute(element, 'mac', where)?.toLowerCase();
  if (!key) throw new InputError('ANNOTATION_INVALID', `${where}: line ${element.line}: <device kind='${kindText}'> has no ${kindText === 'disk' ? 'target' : 'mac'}`, 'Write the annotation again with `vdpa-compat annotate`.');
  return {
    kind: kindText,
    key,
    fingerprint: attribute(element, 'fingerprint', where),
    profile: element.text.trim(),
    rxQueueSize: positive(element, 'rx-queue-size', where),
    txQueueSize: positive(element, 'tx-queue-size', where),
    hostMtu: positive(element, 'host-mtu', where),
    model: attribute(element, 'model', where),
  };
}

/** Reads our element; its children are unprefixed (ours) or in our namespace (libvirt's --key re-prefixes them). */
function annotationOf(element: XmlElement, where: string): Annotation {
  const devices: AnnotatedDevice[] = [];
  let vmm: AnnotatedVmm | null = null;
  for (const child of element.children) {
    if (child.uri !== '' && child.uri !== ANNOTATION_NS) continue;
    if (child.local === 'device') devices.push(annotatedDevice(child, where));
    else if (child.local === 'vmm') {
      const svq = attribute(child, 'x-svq', where);
      vmm = {
        emulator: attribute(child, 'emulator', where),
        version: attribute(child, 'version', where),
        versionText: attribute(child, 'version-text', where),
        xSvq: svq === null ? null : ON.test(svq),
      };
    }
  }
  const keys = new Set<string>();
  for (const d of devices) {
    const key = `${d.kind} ${d.key}`;
    if (keys.has(key)) throw new InputError('ANNOTATION_INVALID', `${where}: two source profiles for ${key}`, 'Write the annotation again with `vdpa-compat annotate`.');
    keys.add(key);
  }
  return { devices, vmm };
}

/** Our element among the children of `<metadata>`, found by namespace URI whatever its prefix. */
function metadataAnnotation(domain: XmlElement, where: string): Annotation | null {
  const ours = childrenNamed(domain, 'metadata').flatMap((m) => childrenNamed(m, 'source-profiles', ANNOTATION_NS));
  if (ours.length > 1) throw new InputError('ANNOTATION_INVALID', `${where}: ${ours.length} <source-profiles> elements in <metadata>; libvirt keeps one per namespace`, 'Set the metadata again with `virsh metadata … --set`.');
  const [element] = ours;
  return element ? annotationOf(element, where) : null;
}

/** Parses domain XML (`where` names it in errors). */
export function parseDomainXml(xml: string, where: string): DomainInfo {
  const domain = parseXml(xml, where, DOMAIN_HINT);
  if (domain.local !== 'domain') throw new InputError('DOMAIN_XML_INVALID', `${where}: not a libvirt domain XML (the root element is <${domain.local}>, not <domain>)`, DOMAIN_HINT);
  const devices: DomainVdpaDevice[] = [];
  const seen = new Map<string, DomainVdpaDevice>();
  let emulator: string | null = null;
  const { args, properties, overrides } = qemuPassthrough(domain, where);
  for (const group of childrenNamed(domain, 'devices')) {
    for (const element of group.children) {
      if (element.local === 'emulator' && element.text.trim() !== '') emulator ??= element.text.trim();
      if (element.local !== 'interface' && element.local !== 'disk') continue;
      const device = vdpaDevice(element, where, overrides);
      if (device === null) continue;
      const key = `${device.kind} ${device.key}`;
      const twin = seen.get(key);
      if (twin !== undefined) {
        // The same device listed twice is one device; two devices under one key cannot be told apart.
        if (twin.charDev === device.charDev) continue;
        throw new InputError('DOMAIN_XML_INVALID', `${where}: two vDPA ${device.kind}s use ${device.key} (${twin.charDev ?? 'no source'} and ${device.charDev ?? 'no source'}); their source profiles cannot be told apart`, DOMAIN_HINT);
      }
      seen.set(key, device);
      devices.push(device);
      if (devices.length > MAX_DOMAIN_DEVICES) {
        throw new InputError('DOMAIN_XML_INVALID', `${where}: more than ${MAX_DOMAIN_DEVICES} vDPA devices`, DOMAIN_HINT);
      }
    }
  }
  const unchecked = args.filter((a) => /vdpa/i.test(a)).map((a) => `QEMU command-line argument "${a}" (<qemu:commandline>) uses vDPA outside libvirt's devices`);
  const xSvq = args.some((a) => /x-svq(=|"\s*:\s*)"?(on|true|yes)\b/i.test(a)) || properties.some((p) => p.name === 'x-svq' && ON.test(p.value));
  const name = first(domain, 'name')?.text.trim();
  return {
    name: name ? name : null,
    devices,
    unchecked,
    vmm: { emulator, xSvq },
    annotation: metadataAnnotation(domain, where),
  };
}

/**
 * Parses a file holding our metadata element alone: what `annotate` prints,
 * or what `virsh metadata DOMAIN --uri URI` prints (libvirt drops the
 * namespace there), or the namespaced form.
 */
export function parseAnnotationXml(xml: string, where: string): Annotation {
  const root = parseXml(xml, where, 'Write it with `vdpa-compat annotate`.');
  // The file is ours by where it lies, so the namespace-less element counts.
  if (root.local !== 'source-profiles' || (root.uri !== '' && root.uri !== ANNOTATION_NS)) {
    throw new InputError('ANNOTATION_INVALID', `${where}: no <source-profiles> element (of vdpa-compat annotate)`, 'Write it with `vdpa-compat annotate DOMAIN_XML`.');
  }
  return annotationOf(root, where);
}
