/** Reading what a command printed. */

/** The first non-empty line, for messages; vdpa prints its errors on stderr. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? ''
  );
}
