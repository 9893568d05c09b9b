/**
 * Picks the LoraStudy out of a manifest file for `lorahpo run`, checked with `validate`'s rules
 * (less the built-in trainer's, when `--trainer` replaces it).
 */
import { resolve } from 'node:path';
import type { LoraStudy } from '../api/study.ts';
import { checkStudyManifest } from '../api/validate-study.ts';
import { describeDocument, readManifests } from '../api/manifest-file.ts';
import { formatIssue } from '../../../trainer/src/contract/format-issue.ts';
import { LorahpoError } from '../errors.ts';

export interface LoadedStudy {
  study: LoraStudy;
  manifestPath: string;
}

export function loadStudy(
  file: string,
  cwd: string,
  studyName: string | undefined,
  hasTrainerOverride: boolean,
): LoadedStudy {
  const manifestPath = resolve(cwd, file);
  const studies = readManifests(manifestPath, file).filter(
    (entry) => (entry.doc as { kind?: unknown }).kind === 'LoraStudy',
  );
  const picked =
    studyName === undefined
      ? studies
      : studies.filter((entry) => (entry.doc as { metadata?: { name?: unknown } }).metadata?.name === studyName);
  if (picked.length === 0)
    throw new LorahpoError(
      'LORAHPO_SPEC_INVALID',
      `${file}: no LoraStudy${studyName ? ` named ${studyName}` : ''} in it`,
    );
  if (picked.length > 1)
    throw new LorahpoError(
      'LORAHPO_SPEC_INVALID',
      `${file}: holds ${picked.length} LoraStudy documents; choose one with --study NAME`,
    );
  const entry = picked[0];
  const { study, issues } = checkStudyManifest(entry.doc, { hasTrainerOverride });
  if (study === undefined) {
    const where = describeDocument(entry);
    throw new LorahpoError('LORAHPO_SPEC_INVALID', issues.map((issue) => `${where}: ${formatIssue(issue)}`).join('\n'));
  }
  return { study, manifestPath };
}
