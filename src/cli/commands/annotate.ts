/** `vdpa-compat annotate DOMAIN_XML [SOURCE]`: the metadata element carrying the source profiles. */
import { EXIT } from '../exit.js';
import type { Io } from '../io.js';
import { readStdin } from '../stdin.js';
import { InputError, MAX_DOMAIN_XML, buildAnnotation, collect, escapeControls, loadInput, parseDomainXml, qemuVersionOf, readInputFile, writeFileAtomic, type SourceMode } from '../../index.js';

/** Options of the annotate command. */
export interface AnnotateOptions {
  output?: string;
  force: boolean;
  namespaced: boolean;
  vdpa: string;
  source: SourceMode;
  sysfsRoot: string;
  timeout: number;
  stdinTimeout: number;
}

/** Reads the domain XML (file or - for stdin) and the source host (profile, dump, or live), prints the element. */
export async function annotateCommand(domainXml: string, sourceInput: string | undefined, options: AnnotateOptions, io: Io): Promise<number> {
  const hint = 'Pass `virsh dumpxml DOMAIN` output, or - for stdin.';
  const fromStdin = domainXml === '-';
  const xml = fromStdin
    ? await readStdin({ limit: MAX_DOMAIN_XML, timeoutMs: options.stdinTimeout, what: 'a domain XML', hint: 'Pipe in `virsh dumpxml DOMAIN`, or name the file.', timeoutHint: 'pass --stdin-timeout MS to wait longer' })
    : readInputFile(domainXml, MAX_DOMAIN_XML, 'a domain XML', hint);
  if (xml === null) throw new InputError('INPUT_MISSING', `${domainXml}: no such file or directory`, hint);
  const domainName = fromStdin ? 'the domain XML on stdin' : domainXml;
  const domain = parseDomainXml(xml, domainName);
  // The domain first: one without vDPA devices needs no profile, and this host may have no vdpa at all.
  const emulator = domain.vmm.emulator;
  const profile =
    domain.devices.length === 0
      ? null
      : sourceInput !== undefined
        ? await loadInput(sourceInput)
        : (await collect({ vdpaPath: options.vdpa, source: options.source, sysfsRoot: options.sysfsRoot, timeoutMs: options.timeout, ...(emulator !== null ? { qemuPaths: [emulator] } : {}) })).profile;
  // The QEMU that runs the domain here: the destination cannot ask it, so the annotation carries it.
  const qemu = emulator === null || domain.devices.length === 0 ? null : await qemuVersionOf(emulator, options.timeout);
  const warn = (line: string) => io.stderr.write(`vdpa-compat: warning: ${escapeControls(line)}\n`);
  if (qemu?.error !== undefined) warn(`the domain's <emulator> ${emulator}: ${qemu.error}; the source QEMU version stays unknown to the hook`);
  const vmm = { emulator, version: qemu?.version ?? null, versionText: qemu?.versionText ?? null, xSvq: domain.vmm.xSvq };
  for (const line of domain.unchecked) warn(`${line}: vdpa-compat cannot check it, so the hook will veto migrating this domain`);
  const element = `${buildAnnotation(domain, profile, sourceInput ?? 'this host, collected live', { namespaced: options.namespaced, domainFile: domainName, ...(domain.devices.length > 0 ? { vmm } : {}) })}\n`;
  if (options.output !== undefined && options.output !== '-') {
    writeFileAtomic(options.output, element, { force: options.force });
  } else {
    io.stdout.write(element);
  }
  return EXIT.OK;
}
