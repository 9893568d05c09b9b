/**
 * Reads manifests: a YAML file of one or more documents, each with its index and the line it
 * starts on, so messages can name "study.yaml, document 2 (line 14)".
 */
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { LorahpoError } from '../errors.ts';
import { expansionProblem, MAX_MANIFEST_BYTES } from './yaml-limits.ts';

export interface ManifestDocument {
  file: string;
  /** 1-based position in the file. */
  index: number;
  /** 1-based line where the document starts. */
  line: number;
  doc: unknown;
}

/**
 * Lines (1-based) where each YAML document starts, in the order js-yaml returns them: text
 * before the first `---` is a document only if it holds more than comments; each `---` starts one.
 */
function documentStartLines(text: string): number[] {
  const lines = text.split('\n');
  const starts: number[] = [];
  const firstMarker = lines.findIndex((line) => /^---(\s|$)/.test(line));
  const prefix = firstMarker === -1 ? lines : lines.slice(0, firstMarker);
  const firstContent = prefix.findIndex(
    (line) => line.trim() !== '' && !line.trimStart().startsWith('#') && !line.startsWith('%'),
  );
  if (firstContent !== -1) starts.push(firstContent + 1);
  lines.forEach((line, i) => {
    if (/^---(\s|$)/.test(line)) starts.push(i + 2);
  });
  return starts;
}

/** Every non-empty document of a YAML text; a syntax error names the file and line. */
export function parseManifests(text: string, file: string): ManifestDocument[] {
  if (text.length > MAX_MANIFEST_BYTES) {
    throw new LorahpoError(
      'LORAHPO_SPEC_INVALID',
      `${file}: is ${text.length} characters but a manifest file may hold at most ${MAX_MANIFEST_BYTES}`,
    );
  }
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text) as unknown[];
  } catch (error) {
    const mark = (error as { mark?: { line: number; column: number } }).mark;
    const where = mark ? `${file}:${mark.line + 1}:${mark.column + 1}` : file;
    throw new LorahpoError(
      'LORAHPO_SPEC_INVALID',
      `${where}: not valid YAML: ${(error as { reason?: string }).reason ?? (error as Error).message}`,
    );
  }
  const starts = documentStartLines(text);
  const entries = docs.map((doc, i) => ({ file, index: i + 1, line: starts[i] ?? 1, doc }));
  for (const entry of entries) {
    const problem = expansionProblem(entry.doc);
    if (problem)
      throw new LorahpoError(
        'LORAHPO_SPEC_INVALID',
        `${file}, document ${entry.index} (line ${entry.line}): ${problem}`,
      );
  }
  return entries.filter((entry) => entry.doc !== null && entry.doc !== undefined);
}

// fatal: Latin-1 bytes would otherwise become U+FFFD inside names and values, silently.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function readManifests(path: string, displayName = path): ManifestDocument[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new LorahpoError(
      'LORAHPO_IO',
      `${displayName}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new LorahpoError(
      'LORAHPO_SPEC_INVALID',
      `${displayName}: is not UTF-8 text (YAML must be); convert it (e.g. iconv -f latin1 -t utf-8)`,
    );
  }
  return parseManifests(text, displayName);
}

/** "study.yaml, document 2 (line 14), LoraStudy gemma" — where a message is about. */
export function describeDocument(entry: ManifestDocument): string {
  const record = (entry.doc ?? {}) as { kind?: unknown; metadata?: { name?: unknown } };
  const kind = typeof record.kind === 'string' ? record.kind : 'document';
  const name = typeof record.metadata?.name === 'string' ? ` ${record.metadata.name}` : '';
  return `${entry.file}, document ${entry.index} (line ${entry.line}), ${kind}${name}`;
}
