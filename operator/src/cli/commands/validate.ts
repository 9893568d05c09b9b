/**
 * `lorahpo validate FILE...`: checks LoraStudy manifests (multi-document YAML) with the same
 * rules the operator applies, printing one line per problem. Exit 0 when all are valid, 1 when
 * any problem was found (a file holding no LoraStudy is one), 2 on usage errors.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { LorahpoError } from '../../errors.ts';
import { formatIssue } from '../../../../trainer/src/contract/format-issue.ts';
import { describeDocument, readManifests, type ManifestDocument } from '../../api/manifest-file.ts';
import { checkStudyManifest } from '../../api/validate-study.ts';
import { API_GROUP_VERSION } from '../../api/common.ts';
import type { CliDeps } from '../deps.ts';

export function validateCommandSpec(): Command {
  return new Command('validate')
    .description('check LoraStudy manifests (multi-document YAML): one line per problem, exit 1 if any')
    .argument('<files...>', 'YAML files holding LoraStudy documents');
}

/** Kinds of ours that validate passes over (they are written by the operator, not by people). */
const OTHER_KINDS = new Set(['LoraTrial']);

/** Why a document that is not a LoraStudy is a problem, or undefined when it may be skipped. */
function notAStudy(doc: unknown): string | undefined {
  if (Array.isArray(doc)) return 'is a list, not a Kubernetes object (expected a LoraStudy mapping)';
  if (typeof doc !== 'object' || doc === null)
    return `is the ${typeof doc} ${JSON.stringify(doc)?.slice(0, 40)}, not a Kubernetes object (expected a LoraStudy mapping)`;
  const { kind, apiVersion } = doc as { kind?: unknown; apiVersion?: unknown };
  if (kind === undefined) return 'kind is missing (expected kind: LoraStudy)';
  if (apiVersion === API_GROUP_VERSION && !OTHER_KINDS.has(kind as string))
    return `kind is ${JSON.stringify(kind)} but must be "LoraStudy" for ${API_GROUP_VERSION}`;
  return undefined;
}

/** The lines to print for one document, and whether it is valid. */
function checkDocument(entry: ManifestDocument): { lines: string[]; isValid: boolean } {
  const where = describeDocument(entry);
  const record = (entry.doc ?? {}) as { kind?: unknown; apiVersion?: unknown };
  if (record.kind !== 'LoraStudy') {
    const problem = notAStudy(entry.doc);
    if (problem) return { lines: [`${where}: ${problem}`], isValid: false };
    const isOurs = record.apiVersion === API_GROUP_VERSION;
    return {
      lines: [`${where}: skipped (${isOurs ? 'only LoraStudy manifests are checked' : 'not a lorahpo resource'})`],
      isValid: true,
    };
  }
  const { issues } = checkStudyManifest(entry.doc);
  if (issues.length === 0) return { lines: [`${where}: valid`], isValid: true };
  return { lines: issues.map((issue) => `${where}: ${formatIssue(issue)}`), isValid: false };
}

export async function validateCommand(files: string[], deps: CliDeps): Promise<number> {
  let problems = 0;
  for (const file of files) {
    const path = resolve(deps.cwd, file);
    let entries: ManifestDocument[];
    try {
      entries = readManifests(path, file);
    } catch (error) {
      if (!(error instanceof LorahpoError)) throw error;
      deps.stderr.write(`${error.message}\n`);
      problems += 1;
      continue;
    }
    if (entries.length === 0) {
      deps.stderr.write(`${file}: holds no documents (expected a LoraStudy)\n`);
      problems += 1;
    } else if (!entries.some((entry) => (entry.doc as { kind?: unknown } | null)?.kind === 'LoraStudy')) {
      deps.stderr.write(`${file}: holds no LoraStudy\n`);
      problems += 1;
    }
    for (const entry of entries) {
      const { lines, isValid } = checkDocument(entry);
      (isValid ? deps.stdout : deps.stderr).write(lines.map((line) => `${line}\n`).join(''));
      if (!isValid) problems += lines.length;
    }
  }
  if (problems > 0) deps.stderr.write(`${problems} problem${problems === 1 ? '' : 's'} found\n`);
  return problems > 0 ? 1 : 0;
}
