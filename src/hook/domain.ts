/**
 * The parts of a libvirt domain XML that matter here (reference libvirt.md
 * §1.4): its name, every `<interface type='vdpa'>` and `<disk type='vhostvdpa'>`
 * with its `<source dev='/dev/vhost-vdpa-N'/>`, and our own `<metadata>`
 * element. Parsed with fast-xml-parser; DOCTYPEs are refused (libvirt never
 * writes one, and they are how entity-expansion attacks start).
 */
import { XMLParser } from 'fast-xml-parser';
import { InputError } from '../errors.js';
import { ANNOTATION_NS } from './namespace.js';

/** Domain XML is kilobytes; refuse what could only be a mistake or an attack. */
export const MAX_DOMAIN_XML = 8 * 1024 * 1024;

/** A vdpa device of the domain: which guest device it is, and which host char device backs it. */
export interface DomainVdpaDevice {
  kind: 'interface' | 'disk';
  /** How the guest knows it: the interface's MAC, or the disk's target dev (vdg). */
  key: string;
  /** `<source dev>`: /dev/vhost-vdpa-N on the host the XML is for. */
  charDev: string | null;
}

/** One device entry of our metadata: the source device's profile, as JSON text. */
export interface AnnotatedDevice {
  kind: 'interface' | 'disk';
  key: string;
  fingerprint: string | null;
  profile: string;
}

/** What the hook needs from a domain XML. */
export interface DomainInfo {
  name: string | null;
  devices: DomainVdpaDevice[];
  /** Our metadata element, when present (null: none; the element's devices otherwise). */
  annotation: AnnotatedDevice[] | null;
}

type Node = Record<string, unknown>;

const ARRAY_ELEMENTS = new Set(['interface', 'disk']);

function asNode(value: unknown): Node | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : null;
}

function asList(value: unknown): Node[] {
  if (Array.isArray(value)) return value.map(asNode).filter((n): n is Node => n !== null);
  const node = asNode(value);
  return node ? [node] : [];
}

function attr(node: Node | null, name: string): string | null {
  const value = node?.[`@${name}`];
  return typeof value === 'string' ? value : null;
}

/** Our metadata element, found by namespace URI whatever prefix libvirt gave it (virsh metadata --key). */
function annotationOf(metadata: Node | null): AnnotatedDevice[] | null {
  if (!metadata) return null;
  for (const [name, value] of Object.entries(metadata)) {
    const node = asNode(value);
    if (!node) continue;
    const colon = name.indexOf(':');
    const prefix = colon === -1 ? null : name.slice(0, colon);
    const uri = prefix === null ? attr(node, 'xmlns') : attr(node, `xmlns:${prefix}`);
    if (uri !== ANNOTATION_NS) continue;
    // Children come unprefixed (ours) or with the prefix libvirt gives the whole element (--key).
    const children = [...asList(node['device']), ...(prefix === null ? [] : asList(node[`${prefix}:device`]))];
    return children.map((device) => {
      const kind = attr(device, 'kind') === 'disk' ? 'disk' : 'interface';
      const text = device['#text'];
      return {
        kind,
        key: (kind === 'disk' ? attr(device, 'target') : attr(device, 'mac')?.toLowerCase()) ?? '',
        fingerprint: attr(device, 'fingerprint'),
        profile: typeof text === 'string' ? text : '',
      };
    });
  }
  return null;
}

function parseXml(xml: string, where: string, hint: string): Node {
  if (xml.length > MAX_DOMAIN_XML) throw new InputError('INPUT_TOO_LARGE', `${where}: ${xml.length} bytes of XML, more than ${MAX_DOMAIN_XML}`, hint);
  if (/<!DOCTYPE/i.test(xml)) throw new InputError('INPUT_NOT_PROFILE', `${where}: XML with a DOCTYPE is refused (libvirt never writes one)`, hint);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    isArray: (name, _path, _leaf, isAttribute) => !isAttribute && (ARRAY_ELEMENTS.has(name) || name.endsWith(':device') || name === 'device'),
  });
  try {
    return parser.parse(xml, true) as Node;
  } catch (error) {
    throw new InputError('PROFILE_PARSE', `${where}: not well-formed XML (${(error as Error).message})`, hint, { cause: error });
  }
}

/** Parses domain XML (`where` names it in errors). */
export function parseDomainXml(xml: string, where: string): DomainInfo {
  const hint = 'Pass the domain XML libvirt gives hooks on stdin, or `virsh dumpxml DOMAIN` output.';
  const doc = parseXml(xml, where, hint);
  const domain = asNode(doc['domain']);
  if (!domain) throw new InputError('INPUT_NOT_PROFILE', `${where}: not a libvirt domain XML (no <domain> root element)`, hint);
  const devices = asNode(domain['devices']);
  const found: DomainVdpaDevice[] = [];
  for (const iface of asList(devices?.['interface'])) {
    if (attr(iface, 'type') !== 'vdpa') continue;
    found.push({ kind: 'interface', key: attr(asNode(iface['mac']), 'address')?.toLowerCase() ?? '', charDev: attr(asNode(iface['source']), 'dev') });
  }
  for (const disk of asList(devices?.['disk'])) {
    if (attr(disk, 'type') !== 'vhostvdpa') continue;
    found.push({ kind: 'disk', key: attr(asNode(disk['target']), 'dev') ?? '', charDev: attr(asNode(disk['source']), 'dev') });
  }
  const name = domain['name'];
  return { name: typeof name === 'string' ? name : null, devices: found, annotation: annotationOf(asNode(domain['metadata'])) };
}

/**
 * Parses a file holding our metadata element alone: what `annotate` prints,
 * or what `virsh metadata DOMAIN --uri URI` prints (libvirt drops the
 * namespace there), or the namespaced form.
 */
export function parseAnnotationXml(xml: string, where: string): AnnotatedDevice[] {
  const doc = parseXml(xml, where, 'Write it with `vdpa-compat annotate`.');
  const plain = asNode(doc['source-profiles']);
  // The file is ours by where it lies, so the namespace-less element counts.
  const annotation = annotationOf(plain ? { 'source-profiles': { ...plain, '@xmlns': ANNOTATION_NS } } : doc);
  if (annotation === null) {
    throw new InputError('INPUT_NOT_PROFILE', `${where}: no <source-profiles> element (of vdpa-compat annotate)`, 'Write it with `vdpa-compat annotate DOMAIN_XML`.');
  }
  return annotation;
}
