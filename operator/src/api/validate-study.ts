/**
 * Validation of a LoraStudy: zod's structure, unknown fields, then the rules the CRD cannot
 * express; every issue at once. `lorahpo validate`, `lorahpo run` and the engine (`plan`, for
 * specs read from the API server) all use it, so they agree word for word.
 */
import { SpecInvalidError, type Issue } from '../errors.ts';
import { LoraStudySchema, StudySpecSchema, type LoraStudy, type StudySpec } from './study.ts';
import { findUnknownFields } from './unknown-fields.ts';
import { issuePath } from '../../../trainer/src/contract/issue-path.ts';
import { zodIssues } from '../../../trainer/src/contract/zod-issues.ts';
import { checkSpaceRules, checkStudyRules, type RuleOptions } from './study-rules.ts';
import { API_GROUP_VERSION } from './common.ts';
import { attemptJobName, trialName } from './trial.ts';
import { DEFAULT_MAX_TRIAL_ATTEMPTS } from './study.ts';
import { checkWarmStartName } from './warm-start.ts';

/** Study names leave room for `-<number>` and Kubernetes' pod suffixes within 63 characters. */
export const MAX_STUDY_NAME_LENGTH = 52;

/** A Job's name is its pods' `job-name` label value, which Kubernetes caps at 63 characters. */
const MAX_JOB_NAME_LENGTH = 63;

/** The longest Job name the study may need: its last trial's last attempt. */
function longestJobName(name: string, spec: StudySpec): string {
  const attempts = spec.budget.maxTrialAttempts ?? DEFAULT_MAX_TRIAL_ATTEMPTS;
  return attemptJobName(trialName(name, spec.budget.maxTrials - 1), attempts);
}

export interface SpecCheck {
  spec?: StudySpec;
  issues: Issue[];
}

/** Checks a spec as read (e.g. from the API server); paths start with `spec.`. */
export function checkStudySpec(rawSpec: unknown, options: RuleOptions = {}): SpecCheck {
  const root = { spec: rawSpec };
  const parsed = StudySpecSchema.safeParse(rawSpec);
  const structural = parsed.success ? [] : zodIssues(prefixError(parsed.error), root);
  const unknown = findUnknownFields(StudySpecSchema, rawSpec).map((found) => ({
    ...found,
    path: `spec.${found.path}`,
  }));
  const space = checkSpaceRules((rawSpec as { parameters?: unknown } | undefined)?.parameters);
  const rules = parsed.success ? checkStudyRules(parsed.data, options) : [];
  const issues = [...structural, ...unknown, ...space, ...rules];
  return issues.length === 0 && parsed.success ? { spec: parsed.data, issues } : { issues };
}

function prefixError<E extends { issues: { path: PropertyKey[] }[] }>(error: E): E {
  for (const found of error.issues) found.path = ['spec', ...found.path];
  return error;
}

export interface ManifestCheck {
  study?: LoraStudy;
  issues: Issue[];
}

/** Checks a whole LoraStudy document. */
export function checkStudyManifest(doc: unknown, options: RuleOptions = {}): ManifestCheck {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return {
      issues: [{ code: 'invalid_type', path: '', message: 'is not a YAML mapping (expected a LoraStudy object)' }],
    };
  }
  const record = doc as Record<string, unknown>;
  const issues: Issue[] = [];
  if (record.apiVersion !== API_GROUP_VERSION)
    issues.push({
      code: 'invalid_value',
      path: 'apiVersion',
      message: `is ${JSON.stringify(record.apiVersion)} but must be "${API_GROUP_VERSION}"`,
    });
  const name = (record.metadata as { name?: unknown } | undefined)?.name;
  if (typeof name !== 'string' || name === '')
    issues.push({ code: 'required', path: 'metadata.name', message: 'is required' });
  else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name))
    issues.push({
      code: 'invalid_format',
      path: 'metadata.name',
      message: `is "${name}" but must be a DNS label: lower-case letters, digits and -`,
    });
  else if (name.length > MAX_STUDY_NAME_LENGTH)
    issues.push({
      code: 'too_big',
      path: 'metadata.name',
      message: `is ${name.length} characters but must be at most ${MAX_STUDY_NAME_LENGTH} (trial and pod names add to it)`,
    });
  for (const key of Object.keys(record).filter((field) => !Object.hasOwn(LoraStudySchema.shape, field))) {
    issues.push({
      code: 'unknown_field',
      path: issuePath(record, [key]),
      message: `is not a known field (known here: ${Object.keys(LoraStudySchema.shape).join(', ')})`,
    });
  }
  const specCheck = checkStudySpec(record.spec, options);
  issues.push(...specCheck.issues);
  const longest = typeof name === 'string' && specCheck.spec ? longestJobName(name, specCheck.spec) : '';
  if (typeof name === 'string')
    issues.push(...checkWarmStartName(name, (record.spec as StudySpec | undefined)?.warmStart));
  if (longest.length > MAX_JOB_NAME_LENGTH)
    issues.push({
      code: 'too_big',
      path: 'spec.budget.maxTrials',
      message: `is ${specCheck.spec?.budget.maxTrials} but must leave Job names within ${MAX_JOB_NAME_LENGTH} characters: the last attempt of the last trial would be ${longest} (${longest.length}); shorten the study name or lower maxTrials or maxTrialAttempts`,
    });
  if (issues.length > 0) return { issues };
  const study = LoraStudySchema.safeParse(doc);
  return study.success ? { study: study.data, issues } : { issues: zodIssues(study.error, doc) };
}

/** A valid LoraStudy, or a SpecInvalidError listing every issue under `header`. */
export function parseStudyManifest(doc: unknown, header = 'LoraStudy is invalid:'): LoraStudy {
  const { study, issues } = checkStudyManifest(doc);
  if (study) return study;
  throw new SpecInvalidError(header, issues);
}
