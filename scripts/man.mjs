// Writes the man page, dist/vdpa-compat.1, from the same commander program
// the CLI runs (descriptions, options, defaults) and the same examples its
// --help prints, so the two cannot drift apart.
import { writeFile } from 'node:fs/promises';
import { buildProgram } from '../dist/cli/program.js';
import { EXAMPLES, EXIT_HELP } from '../dist/cli/help.js';

const esc = (text) =>
  String(text)
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');
const io = { stdout: { write() {} }, stderr: { write() {} }, env: {} };
const program = buildProgram(io, () => {});

const lines = [];
const out = (...l) => lines.push(...l);
const version = program.version();
out(`.TH VDPA\\-COMPAT 1 "" "vdpa-compat ${esc(version)}" "User Commands"`);
out('.SH NAME', `vdpa\\-compat \\- ${esc(program.description())}`);
out('.SH SYNOPSIS', '.B vdpa\\-compat', '.I COMMAND', '[\\fIoptions\\fR] [\\fIarguments\\fR]');
out(
  '.SH DESCRIPTION',
  esc(
    'vdpa-compat collects the vDPA devices of a host into a versioned profile, and checks whether a source device can live-migrate to a target device, saying why not and how to provision a target that would work. It also runs as a libvirt hook that vetoes incoming migrations a target cannot take.',
  ),
);

function options(command) {
  for (const option of command.options) {
    out('.TP', `\\fB${esc(option.flags.replace(/ <.*>$| \[.*\]$/, ''))}\\fR${option.flags.includes('<') ? ` \\fI${esc(option.flags.replace(/^.*<(.*)>.*$/, '$1'))}\\fR` : ''}`);
    let text = option.description;
    if (option.argChoices) text += ` (one of: ${option.argChoices.join(', ')})`;
    if (option.defaultValue !== undefined && option.defaultValue !== false) text += ` (default: ${option.defaultValue})`;
    out(esc(text));
  }
}
function examples(key) {
  if (!EXAMPLES[key]) return;
  out(
    '.PP',
    '.nf',
    ...EXAMPLES[key]
      .trim()
      .split('\n')
      .map((l) => esc(l)),
    '.fi',
  );
}
function section(command, path) {
  const name = path.join(' ');
  const args = command.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}]`)).join(' ');
  out(`.SS "vdpa-compat ${esc(name)}${args ? ` ${esc(args)}` : ''} [options]"`, esc(command.description()));
  options(command);
  examples(name);
}

out('.SH COMMANDS');
for (const command of program.commands) {
  if (command.commands.length > 0) for (const sub of command.commands) section(sub, [command.name(), sub.name()]);
  else section(command, [command.name()]);
}
out('.SH GLOBAL OPTIONS');
options(program);
out(
  '.SH EXIT STATUS',
  '.nf',
  ...EXIT_HELP.trim()
    .split('\n')
    .slice(1)
    .map((l) => esc(l.trim())),
  '.fi',
);
out('.PP', esc('The hook: 0 lets libvirt go on; 1 vetoes the migration (incompatible); 2 vetoes it (could not decide).'));
out('.SH FILES', '.TP', '.I /etc/libvirt/hooks/qemu.d/vdpa\\-compat', esc('the hook script `vdpa-compat hook install` writes'));
out('.SH SEE ALSO', esc('virsh(1), vdpa(8); the rule documentation: vdpa-compat explain, docs/rules/*.md'));
await writeFile(new URL('../dist/vdpa-compat.1', import.meta.url), `${lines.join('\n')}\n`);
