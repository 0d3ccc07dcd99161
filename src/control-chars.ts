/**
 * Text that came from a host or a file (a hostname, a device name, a path, a
 * message quoting a document) may hold control characters. Printed raw, a
 * newline or an escape sequence in a hostname forges a line such as
 * "verdict: COMPATIBLE" in the report, and the same bytes reach libvirt's log
 * through the hook's stderr; a bidi override reorders what a reader sees. So
 * every such character is shown as a visible escape instead.
 */

/**
 * C0 (U+0000–U+001F, newline and tab included), DEL, C1 (U+0080–U+009F), the
 * Unicode bidi controls (ALM U+061C, LRM/RLM U+200E–F, embeddings and
 * overrides U+202A–E, isolates U+2066–9), the line and paragraph separators
 * U+2028–9 (line breaks to some terminals and log viewers), and U+FFFE–F,
 * which XML 1.0 forbids.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is this module's job
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufffe\uffff]/g;
const HAS_CONTROL = new RegExp(CONTROL.source);

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character written as \xHH (up to U+00FF) or \uHHHH, e.g. ESC as \x1b, RLO as \u202e. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, visible);
}

/** Whether `text` holds a character escapeControls would escape. */
export function hasControls(text: string): boolean {
  return HAS_CONTROL.test(text);
}
