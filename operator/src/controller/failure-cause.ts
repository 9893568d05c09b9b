/**
 * The words of a failed trainer that say why: its error line, not the stack frames the kubelet's
 * log fallback ends with. Pure. A Node stack prints the error first and the frames after it, so
 * the last three lines of the log are frames, and the cause (ENOTDIR: not a directory, …) was
 * cut off.
 */

const STACK_FRAME = /^\s*at\s/;
const ERROR_LINE = /\berror\b|\bexception\b|^\s*[A-Z]\w*Error\b|\bE[A-Z]{3,}\b:/i;
const HINT_LINE = /^\s*hint:/;
const MAX_CHARS = 500;

/** The error line of a failed container's termination message (with its hint), or its last line. */
export function failureCause(message: string | undefined): string {
  const lines = (message ?? '')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '' && !STACK_FRAME.test(line));
  if (lines.length === 0) return '';
  let index = -1;
  for (let i = lines.length - 1; i >= 0; i--)
    if (ERROR_LINE.test(lines[i] ?? '')) {
      index = i;
      break;
    }
  if (index === -1) return clip(lines.at(-1) ?? '');
  const hint = HINT_LINE.test(lines[index + 1] ?? '') ? ` (${lines[index + 1]?.trim()})` : '';
  return clip(`${lines[index]?.trim()}${hint}`);
}

function clip(text: string): string {
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS - 1)}…` : text;
}
