/**
 * Error codes are a public contract, like finding codes: a script matches on
 * the code in brackets. This list is frozen on purpose: renaming or removing
 * a code fails here, and so does adding one without saying here what kind of
 * input it is for. README's table is kept equal to src/errors.ts. And the
 * CLI gives each kind of input its own codes (not INPUT_NOT_PROFILE for a
 * domain XML; not "no such file" for a path it may not look at).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';

/** Every code, with the kind of input it is for. Change a line only on purpose. */
const FROZEN: ReadonlyArray<[string, string]> = [
  ['USAGE', 'the command line: an unknown option or command, a missing argument, a bad value'],
  ['UNKNOWN_DEVICE', 'a device name on the command line (--device, --source-device, --target-device) that the input does not have'],
  ['AMBIGUOUS_DEVICE', 'a profile or dump with several devices, and no --source-device/--target-device to choose'],
  ['NO_DEVICE', 'a profile or dump without any vdpa device'],
  ['UNKNOWN_CODE', 'a finding code or rule id given to explain'],
  ['INPUT_MISSING', 'any path named on the command line: nothing there (ENOENT); stdin (-): empty'],
  ['INPUT_UNREADABLE', 'any path named on the command line: there, but it cannot be looked at or read (EACCES, ELOOP, EIO…)'],
  ['INPUT_NOT_FILE', 'any path named on the command line where a file is expected: a directory, a FIFO, a device'],
  ['INPUT_TOO_LARGE', 'any file or stdin: more bytes than that kind of input may have'],
  ['INPUT_TIMEOUT', 'stdin (-): not ended within --stdin-timeout'],
  ['INPUT_NOT_PROFILE', 'a profile (SOURCE, TARGET, check -): a file that is not a vdpa-compat host profile, or not named .yaml/.yml/.json'],
  ['XML_INVALID', 'an XML input (domain XML, annotation file): not well-formed'],
  ['XML_REFUSED', 'an XML input (domain XML, annotation file): well-formed, but refused (DOCTYPE, too deep, too many elements, an ambiguous attribute)'],
  ['DOMAIN_XML_INVALID', 'a domain XML: not a libvirt domain, or a vDPA device libvirt would refuse'],
  ['DOMAIN_DEVICE_NOT_IN_PROFILE', 'a domain XML given to annotate: a vDPA device whose char device no device of the source profile is bound to'],
  ['ANNOTATION_INVALID', "our `<source-profiles>` element: in a domain's `<metadata>`, or a --profile-dir file"],
  ['OUTPUT_EXISTS', 'an output path (-o, --save-raw, the hook script): something is already there and --force was not given, or it is not ours'],
  ['OUTPUT_FAILED', 'any output (stdout, -o, --save-raw, --decision-log, the hook script and its directory): the write failed'],
  ['DUMP_INCOMPLETE', 'a dump directory: files missing'],
  ['DUMP_INTERRUPTED', 'a dump directory (read, or replaced by --save-raw): a replacement was killed midway and left the dump beside its name'],
  ['VDPA_JSON_INVALID', 'vdpa -j output (live or in a dump): not valid JSON'],
  ['VDPA_OUTPUT_UNEXPECTED', 'vdpa, netlink or VMM records (live or in a dump): valid JSON of an unexpected shape'],
  ['UNKNOWN_FEATURE', 'vdpa -j output: a feature name this version does not know'],
  ['PROFILE_PARSE', 'a profile: not valid YAML or JSON'],
  ['PROFILE_INVALID', 'a profile: fails the schema or is inconsistent (each problem with its JSON pointer)'],
  ['PROFILE_VERSION', 'a profile: written by an incompatible major version'],
  ['POLICY_PARSE', 'a --policy file: not valid YAML or JSON'],
  ['POLICY_INVALID', 'a --policy file: fails the schema (each problem with its JSON pointer)'],
  ['RULE_PACK_PARSE', 'a --rules file: not valid YAML or JSON'],
  ['RULE_PACK_INVALID', 'a --rules file: fails the schema or its rules do not compile (each problem with its JSON pointer)'],
  ['BASELINE_PARSE', 'a --baseline file: not valid YAML or JSON'],
  ['BASELINE_INVALID', 'a --baseline file: fails the schema, or its fingerprint does not match its device (each problem with its JSON pointer)'],
  ['VDPA_NOT_FOUND', 'live collection: the vdpa binary (--vdpa) is not there'],
  ['VDPA_FAILED', 'live collection: vdpa or a netlink request failed'],
  ['VDPA_TIMEOUT', 'live collection: vdpa or a netlink request did not finish within --timeout'],
  ['VDPA_NETLINK_MISSING', 'live collection: the kernel has no vdpa netlink family (module not loaded), or raw netlink cannot be used'],
  ['HOOK_TIMEOUT', 'the libvirt hook: could not decide within its --timeout (the whole run, stdin and every vdpa call included)'],
  ['INTERNAL', 'none: a fault in vdpa-compat itself (run with --debug and report it)'],
];

describe('error codes', () => {
  it('are the frozen list: none renamed or removed, none added without its kind of input', () => {
    assert.deepEqual(Object.entries(ERROR_CODES), FROZEN);
    for (const [code] of FROZEN) assert.match(code, /^[A-Z][A-Z_]*[A-Z]$/);
  });

  it('README lists every code with the same words', async () => {
    const readme = await readFile(repoPath('README.md'), 'utf8');
    const table = /### Error codes\n[\s\S]*?\| code \| for \|\n\|---\|---\|\n((?:\|.*\|\n)+)/.exec(readme)?.[1] ?? '';
    const rows = [...table.matchAll(/^\| `([A-Z_]+)` \| (.*) \|$/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(rows, Object.entries(ERROR_CODES));
  });
});

describe('one code per kind of input, through the CLI', () => {
  let scratch: string;
  let loop: string;
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-codes-'));
    // A symlink loop: stat fails with ELOOP, for root too.
    loop = join(scratch, 'loop.yaml');
    await symlink(loop, loop);
  });

  const cases = (): Array<[string, string[], string, RegExp]> => [
    ['a directory given as the domain XML', ['annotate', scratch], 'INPUT_NOT_FILE', /is a directory, not a domain XML/],
    ['a directory given as a policy', ['check', repoPath('profiles/vdpasim/k6.12-negotiated'), repoPath('profiles/vdpasim/k6.12-negotiated'), '--policy', scratch], 'INPUT_NOT_FILE', /is a directory, not a policy/],
    ['a profile path that cannot be looked at (ELOOP) is not "no such file"', ['check', loop, repoPath('profiles/vdpasim/k6.12-mtu9000')], 'INPUT_UNREADABLE', /loop\.yaml: cannot look at it \(ELOOP: too many symbolic links\)/],
    ['a domain XML path that cannot be looked at', ['annotate', loop], 'INPUT_UNREADABLE', /loop\.yaml: cannot look at it/],
    ['a missing domain XML', ['annotate', join(scratch, 'absent.xml')], 'INPUT_MISSING', /absent\.xml: no such file or directory/],
  ];

  it('each names the input, with its own code', async () => {
    for (const [label, args, code, message] of cases()) {
      const r = await runCli(args);
      assert.equal(r.code, 2, label);
      assert.match(r.stderr, new RegExp(`\\[${code}\\]`), `${label}: ${r.stderr}`);
      assert.match(r.stderr, message, label);
    }
  });

  it('annotate: a device the profile does not have names the domain XML, the file at fault, first', async () => {
    const xml = join(scratch, 'vm.xml');
    await writeFile(xml, await readFile(repoPath('test/fixtures/libvirt/vm-vdpa-interface.xml'), 'utf8'));
    const r = await runCli(['annotate', xml, repoPath('profiles/vdpasim/k6.12-negotiated')]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      new RegExp(
        `^vdpa-compat: ${xml.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: interface 52:54:00:6d:90:02 uses /dev/vhost-vdpa-0, which no vdpa device of the profile is bound to \\(.*k6\\.12-negotiated: .*\\) \\[DOMAIN_DEVICE_NOT_IN_PROFILE\\]`,
      ),
    );
  });
});
