/**
 * XML as libvirt's parser (libxml2) reads it: a conforming parser (saxes), so
 * character references and the predefined entities are decoded, namespaces
 * are resolved, and what is not well-formed is refused. DOCTYPEs are refused
 * (libvirt never writes one, and they are how entity-expansion attacks start),
 * and size, depth, element and attribute counts are capped before anything is built.
 */
import { SaxesParser } from 'saxes';
import { InputError } from '../errors.js';

/** One element: its local name, namespace URI, attributes by local name, children and text. */
export interface XmlElement {
  local: string;
  /** Namespace URI; '' for none. */
  uri: string;
  /** Attribute values by local name; a name given in several namespaces keeps every value. */
  attributes: Map<string, string[]>;
  children: XmlElement[];
  /** Character data directly inside the element (CDATA included), untrimmed. */
  text: string;
  /** 1-based line of the start tag, for messages. */
  line: number;
}

/** Caps for one document. */
export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
  maxElements: number;
  /** Attributes in the whole document, and on one element. */
  maxAttributes: number;
  maxElementAttributes: number;
  /** Entity and character references (`&…;`), counted before parsing. */
  maxReferences: number;
}

/**
 * Domain XML is kilobytes and a few levels deep; metadata adds little. An
 * attribute costs saxes ~2 µs, so 8 MiB of nothing but attributes took 3 s of
 * the hook's 5 (the parse is synchronous: no timer stops it); a real domain
 * has a few hundred, and a libvirt element never more than a dozen. Elements
 * and references are capped for the same reason (1.5 million `&#65;` took
 * 0.3 s, 1.3 s on a busy host); a domain has a few hundred elements.
 */
export const DOMAIN_XML_LIMITS: XmlLimits = { maxBytes: 8 * 1024 * 1024, maxDepth: 64, maxElements: 20_000, maxAttributes: 20_000, maxElementAttributes: 256, maxReferences: 100_000 };

/** How many times `char` occurs in `text`, stopping past `max`. */
function countUpTo(text: string, char: string, max: number): number {
  let count = 0;
  for (let i = text.indexOf(char); i !== -1 && count <= max; i = text.indexOf(char, i + 1)) count += 1;
  return count;
}

/** Parses a whole document into its root element; `where` names it in errors. */
export function parseXml(xml: string, where: string, hint: string, limits: XmlLimits = DOMAIN_XML_LIMITS): XmlElement {
  if (Buffer.byteLength(xml, 'utf8') > limits.maxBytes) {
    throw new InputError('INPUT_TOO_LARGE', `${where}: ${Buffer.byteLength(xml, 'utf8')} bytes of XML, more than ${limits.maxBytes}`, hint);
  }
  if (countUpTo(xml, '&', limits.maxReferences) > limits.maxReferences) {
    throw new InputError('XML_REFUSED', `${where}: more than ${limits.maxReferences} entity or character references`, hint);
  }
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let count = 0;
  let refused = null as InputError | null; // set in a parser callback: no narrowing to null
  const refuse = (error: InputError) => {
    refused ??= error;
    // saxes has no abort: an error from a handler stops it at once.
    throw error;
  };
  let attributes = 0;
  let elementAttributes = 0;
  parser.on('opentagstart', () => {
    elementAttributes = 0;
  });
  // Counted as saxes reads each one, before it has read the whole tag.
  parser.on('attribute', () => {
    attributes += 1;
    elementAttributes += 1;
    if (elementAttributes > limits.maxElementAttributes) refuse(new InputError('XML_REFUSED', `${where}: line ${parser.line}: an element with more than ${limits.maxElementAttributes} attributes`, hint));
    if (attributes > limits.maxAttributes) refuse(new InputError('XML_REFUSED', `${where}: more than ${limits.maxAttributes} attributes`, hint));
  });
  parser.on('doctype', () => refuse(new InputError('XML_REFUSED', `${where}: XML with a DOCTYPE is refused (libvirt never writes one)`, hint)));
  parser.on('opentag', (tag) => {
    count += 1;
    if (count > limits.maxElements) refuse(new InputError('XML_REFUSED', `${where}: more than ${limits.maxElements} elements`, hint));
    if (stack.length >= limits.maxDepth) refuse(new InputError('XML_REFUSED', `${where}: elements nested deeper than ${limits.maxDepth} levels`, hint));
    const attributes = new Map<string, string[]>();
    for (const attribute of Object.values(tag.attributes)) {
      // Namespace declarations are not attributes libvirt reads.
      if (attribute.prefix === 'xmlns' || attribute.name === 'xmlns') continue;
      const values = attributes.get(attribute.local) ?? [];
      values.push(attribute.value);
      attributes.set(attribute.local, values);
    }
    const element: XmlElement = { local: tag.local, uri: tag.uri, attributes, children: [], text: '', line: parser.line };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else root = element;
    if (!tag.isSelfClosing) stack.push(element);
  });
  parser.on('closetag', (tag) => {
    if (!tag.isSelfClosing) stack.pop();
  });
  const addText = (text: string) => {
    const current = stack[stack.length - 1];
    if (current) current.text += text;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  try {
    parser.write(xml).close();
  } catch (error) {
    if (refused) throw refused;
    throw new InputError('XML_INVALID', `${where}: not well-formed XML (${(error as Error).message})`, hint, { cause: error });
  }
  if (root === null) throw new InputError('XML_INVALID', `${where}: no root element`, hint);
  return root;
}

/** The children of `element` with this local name (any namespace when `uri` is undefined). */
export function childrenNamed(element: XmlElement, local: string, uri?: string): XmlElement[] {
  return element.children.filter((c) => c.local === local && (uri === undefined || c.uri === uri));
}

/**
 * The attribute's value, or null when absent. libvirt reads attributes by
 * local name whatever their namespace (xmlGetProp), so a name given twice is
 * ambiguous: refused rather than guessed.
 */
export function attribute(element: XmlElement | undefined, local: string, where: string): string | null {
  const values = element?.attributes.get(local);
  if (values === undefined || values.length === 0) return null;
  if (values.length > 1) {
    throw new InputError('XML_REFUSED', `${where}: line ${element?.line}: <${element?.local}> has ${values.length} "${local}" attributes in different namespaces; libvirt would read one of them`, 'Remove the extra attributes.');
  }
  return values[0] ?? null;
}
