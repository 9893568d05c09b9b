/**
 * Wording for zod's findings, kept apart from detection (STYLE: zod's locales idea): each issue
 * says the path, the bad value and the rule.
 */
import type { z } from 'zod';
import type { Issue } from './issue.ts';
import { describeValue, issuePath } from './issue-path.ts';

type ZodIssue = z.core.$ZodIssue;

function valueAt(root: unknown, keys: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of keys)
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  return node;
}

function bound(issue: { minimum?: unknown; maximum?: unknown; inclusive?: boolean }, small: boolean): string {
  const limit = small ? issue.minimum : issue.maximum;
  const operator = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
  return `${operator} ${describeValue(Number(limit))}`;
}

function wordSize(issue: ZodIssue, value: unknown): string {
  const small = issue.code === 'too_small';
  const limits = issue as { minimum?: unknown; maximum?: unknown; inclusive?: boolean; origin?: string };
  if (limits.origin === 'array')
    return `has ${(value as unknown[]).length} items but must have ${bound(limits, small)}`;
  if (limits.origin === 'string') return `is ${describeValue(value)} but its length must be ${bound(limits, small)}`;
  return `is ${describeValue(value)} but must be ${bound(limits, small)}`;
}

/** One sentence for a zod issue, given the value it is about. */
export function wordZodIssue(issue: ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return 'is required';
      return `is ${describeValue(value)} but must be ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}`;
    case 'too_small':
    case 'too_big':
      return wordSize(issue, value);
    case 'invalid_value':
      return `is ${describeValue(value)} but must be ${issue.values.length === 1 ? describeValue(issue.values[0]) : `one of ${issue.values.map((v) => describeValue(v)).join(', ')}`}`;
    case 'invalid_format':
      return `is ${describeValue(value)} but ${issue.message.replace(/^Invalid string: /, '')}`;
    case 'not_multiple_of':
      return `is ${describeValue(value)} but must be a multiple of ${describeValue(issue.divisor)}`;
    case 'invalid_union':
      return unionMessage(issue, value);
    default:
      return issue.message;
  }
}

function unionMessage(issue: ZodIssue & { code: 'invalid_union' }, value: unknown): string {
  const options = (issue as { options?: unknown[] }).options;
  if (options)
    return `is ${describeValue(value)} but must be one of ${options.map((option) => describeValue(option)).join(', ')}`;
  return `is ${describeValue(value)} but matches none of the allowed forms`;
}

/**
 * Our issues from a failed parse of `root`, with paths from its top. `under` prefixes the keys of
 * a value that was parsed on its own but sits at that place in `root`.
 */
export function zodIssues(error: z.ZodError, root: unknown, under: readonly PropertyKey[] = []): Issue[] {
  return error.issues.map((issue) => {
    const keys = [...under, ...issue.path];
    const value = valueAt(root, keys);
    const path = issuePath(root, keys);
    return { code: issue.code, path, message: wordZodIssue(issue, value) };
  });
}
