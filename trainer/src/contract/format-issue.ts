/**
 * How a validation issue reads: `spec.parameters[learningRate].max is 1e-5 but must be > min (1e-3)`.
 * Detection (who finds an issue) and wording (this file) stay apart, so the operator's condition,
 * its Event, `lorahpo validate`, the `Study` API and the trainer print the same text. It sits in
 * the trainer contract because the trainer words its own findings too and imports no operator code.
 */
import type { Issue } from './issue.ts';

const LAST_SEGMENT = /([A-Za-z0-9_]+)(\[[^\]]*\])*$/;

/** One line for one issue: the field path, the bad value and the rule. */
export function formatIssue(issue: Issue): string {
  const last = LAST_SEGMENT.exec(issue.path)?.[0];
  if (last !== undefined && issue.message.startsWith(`${last} `)) {
    return `${issue.path.slice(0, issue.path.length - last.length)}${issue.message}`;
  }
  if (issue.path === '') return issue.message;
  if (/^(is|has|are|must) /.test(issue.message)) return `${issue.path} ${issue.message}`;
  return `${issue.path}: ${issue.message}`;
}

/** A header naming the object, then one indented line per issue. */
export function formatIssues(header: string, issues: readonly Issue[]): string {
  return [header, ...issues.map((issue) => `  ${formatIssue(issue)}`)].join('\n');
}
