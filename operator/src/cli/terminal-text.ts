/**
 * Text from manifests and trainers (parameter values, failure messages, stderr lines) reaches
 * the terminal: an escape sequence in it could move the cursor, rewrite lines, set the title or
 * hide what is printed. Every byte of output goes through `terminalSafe`, which shows control
 * characters as `\uXXXX` (also valid inside the JSON strings of `--json`); only the live view's
 * own cursor codes go out raw, through `rawOutput`.
 */
import type { OutputStream } from './deps.ts';

// C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControl(text: string): string {
  return text.replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const RAW = Symbol('raw output');

interface SafeStream extends OutputStream {
  [RAW]: OutputStream;
}

/** `stream` with every write escaped; isTTY and columns read through to it. */
export function terminalSafe(stream: OutputStream): OutputStream {
  if (RAW in stream) return stream;
  const safe: SafeStream = {
    write: (text: string) => stream.write(escapeControl(String(text))),
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
    [RAW]: stream,
  };
  return safe;
}

/** The stream under `terminalSafe`, for output whose control codes are our own (and whose text is escaped). */
export function rawOutput(stream: OutputStream): OutputStream {
  return RAW in stream ? (stream as SafeStream)[RAW] : stream;
}
