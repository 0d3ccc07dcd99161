// Fuzz targets: domain XML (src/libvirt/domain.ts, xml.ts) and the hook's metadata: our
// <source-profiles> element and the profile JSON in it, read as the hook reads them
// (parseAnnotationXml, JSON.parse, toProfile).
// Invariant: typed errors only, bounded time and memory; a DOCTYPE (and so any entity of its own) is
// always refused; what is accepted reads back the same after annotate writes it again.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import fc from 'fast-check';
import { buildAnnotation, compactProfile } from '../../src/libvirt/annotation.js';
import { parseAnnotationXml, parseDomainXml, type Annotation } from '../../src/libvirt/domain.js';
import { InputError } from '../../src/errors.js';
import { toProfile } from '../../src/profile/load.js';
import { editText, editTree, expectTyped, Figures, params, report, seeds, textEdit, treeEdit } from './harness.js';

/** XML's own tricks: DOCTYPE and entities, character references (invalid ones too), CDATA, namespaces, nesting. */
const XML_TOKENS = [
  '<!DOCTYPE domain [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
  '<!DOCTYPE domain SYSTEM "file:///etc/passwd">',
  '&a;',
  '&xxe;',
  '&lt;',
  '&amp;',
  '&#0;',
  '&#x1b;',
  '&#27;',
  '&#x9b;',
  '&#x202e;',
  '&#1114112;',
  '&#xD800;',
  '&#65;',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<?xml version="1.1"?>',
  '<?pi x?>',
  ' xmlns:v="https://vdpa-compat.dev/xmlns/source-profiles/1"',
  ' xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0"',
  ' xmlns=""',
  "<interface type='vdpa'><mac address='52:54:00:00:00:01'/><source dev='/dev/vhost-vdpa-9'/></interface>",
  "<disk type='vhostvdpa'><target dev='vdz'/></disk>",
  "<interface type='VDPA'>",
  "<qemu:commandline><qemu:arg value='-netdev'/><qemu:arg value='vhost-vdpa,x-svq=on'/></qemu:commandline>",
  "<metadata><source-profiles xmlns='https://vdpa-compat.dev/xmlns/source-profiles/1'/></metadata>",
  "<interface type='vdpa\u009b2J'>",
  " queues='1\u202e'",
  '\u0085',
  '<a>'.repeat(80),
  '</a>',
  ' a="1" a="2"',
  " rx_queue_size='0'",
  " rx_queue_size='99999999999'",
  '\u0000',
  '\u001b',
  '\uFEFF',
  '\uFFFE',
  '>',
  '<',
  '"',
  "'",
];

let domains: Array<{ name: string; text: string }> = [];
let annotations: Array<{ name: string; text: string }> = [];
before(() => {
  domains = seeds(/libvirt\/.*\.xml$/, 5);
  // Our element as annotate printed it into a real libvirt 9.0 domain (virsh dumpxml), cut out of it.
  annotations = domains.flatMap((d) => {
    const m = /<([a-z-]+:)?source-profiles[\s\S]*?<\/([a-z-]+:)?source-profiles>/.exec(d.text);
    return m ? [{ name: d.name, text: m[0] }] : [];
  });
  assert.ok(annotations.length >= 1, 'an annotated domain');
});

/** Reads every source profile of an annotation as the hook does: JSON.parse, then toProfile. */
async function hookReads(annotation: Annotation | null): Promise<void> {
  for (const device of annotation?.devices ?? []) {
    let doc: unknown;
    try {
      doc = JSON.parse(device.profile);
    } catch {
      continue; // The hook says "not JSON" and vetoes (src/libvirt/hook.ts): typed by construction.
    }
    await toProfile(doc, 'source profile in the metadata');
  }
}

describe('fuzz: libvirt XML', () => {
  it('domain XML: byte flips, truncation, DOCTYPE and entities, character references, nesting', async (t) => {
    const figures = new Figures('domain XML');
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(textEdit(XML_TOKENS), { minLength: 1, maxLength: 4 }), async (i, edits) => {
        const seed = domains[i % domains.length]!;
        const xml = editText(seed.text, edits);
        await expectTyped(
          figures,
          async () => {
            const domain = parseDomainXml(xml, 'domain XML on stdin');
            await hookReads(domain.annotation);
            return domain;
          },
          () => {
            // A DOCTYPE anywhere a parser would see it is refused, never expanded.
            assert.ok(!/<!DOCTYPE/.test(xml.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g, '')), 'accepted XML with a DOCTYPE');
          },
        );
      }),
      params(150),
    );
    report(figures, t);
  });

  it('the hook metadata: XML edits, and edits of the profile JSON it carries', async (t) => {
    const figures = new Figures('hook metadata');
    const base = parseAnnotationXml(annotations[0]!.text, 'annotation');
    const profileDoc = JSON.parse(base.devices[0]!.profile) as unknown;
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.boolean(), fc.array(textEdit(XML_TOKENS), { minLength: 1, maxLength: 3 }), fc.array(treeEdit, { minLength: 1, maxLength: 3 }), async (i, xmlSide, xmlEdits, jsonEdits) => {
        const seed = annotations[i % annotations.length]!;
        // Either the XML around the profile changes, or the profile inside it (as JSON text in CDATA).
        const text = xmlSide ? editText(seed.text, xmlEdits) : seed.text.replace(/<!\[CDATA\[[\s\S]*?\]\]>/, () => `<![CDATA[${(JSON.stringify(editTree(profileDoc, jsonEdits)) ?? '').replace(/]]>/g, ']]]]><![CDATA[>')}]]>`);
        await expectTyped(
          figures,
          async () => {
            const annotation = parseAnnotationXml(text, 'annotation');
            const profiles = [];
            for (const device of annotation.devices) {
              let doc: unknown;
              try {
                doc = JSON.parse(device.profile);
              } catch {
                continue;
              }
              profiles.push({ device, profile: await toProfile(doc, 'source profile in the metadata') });
            }
            return profiles;
          },
          async (profiles) => {
            // Accepted: annotate writes each profile again, and the hook reads back the same.
            for (const { device, profile } of profiles) {
              const index = profile.devices.findIndex((d) => d.charDev !== null);
              if (index === -1) continue;
              const charDev = profile.devices[index]!.charDev;
              const domain = {
                name: 'vm',
                devices: [{ kind: device.kind, key: device.key, charDev, model: null, rxQueueSize: null, txQueueSize: null, queues: null, hostMtu: null }],
                unchecked: [],
                vmm: { emulator: null, xSvq: false },
                annotation: null,
              };
              const again = parseAnnotationXml(buildAnnotation(domain, profile, 'vm'), 'annotation again');
              assert.deepEqual(JSON.parse(again.devices[0]!.profile), JSON.parse(JSON.stringify(compactProfile(profile, index))));
            }
          },
        );
      }),
      params(150),
    );
    report(figures, t);
  });

  it('bounds the time of the worst 8 MiB documents: attributes are counted as they are read', () => {
    const attrs = (n: number) => Array.from({ length: n }, (_, i) => `a${i}=""`).join(' ');
    const worst = [
      `<domain><devices><interface ${attrs(700_000)}/></devices></domain>`, // one element: was 2.9 s
      `<domain><devices>${`<x ${attrs(100)}/>`.repeat(7000)}</devices></domain>`, // many: was 1.2 s
      `<domain>${'<x/>'.repeat(1_500_000)}</domain>`,
      `<domain><name>${'&#65;'.repeat(1_500_000)}</name></domain>`,
      `<domain>${'<a>'.repeat(100_000)}</domain>`,
    ];
    for (const xml of worst) {
      const start = Date.now();
      assert.ok(xml.length < 8 * 1024 * 1024);
      try {
        parseDomainXml(xml, 'domain.xml');
      } catch (error) {
        assert.ok(error instanceof InputError, String(error));
      }
      assert.ok(Date.now() - start < 1000, `${xml.slice(0, 40)}… took ${Date.now() - start} ms`);
    }
  });

  it('refuses a billion-laughs DOCTYPE at once', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE domain [<!ENTITY a "${'a'.repeat(100)}">${Array.from({ length: 9 }, (_, i) => `<!ENTITY e${i + 1} "${`&${i === 0 ? 'a' : `e${i}`};`.repeat(10)}">`).join('')}]><domain>&e9;</domain>`;
    const start = Date.now();
    assert.throws(
      () => parseDomainXml(bomb, 'bomb.xml'),
      (e: unknown) => e instanceof InputError && e.code === 'XML_REFUSED',
    );
    assert.ok(Date.now() - start < 100);
  });
});
