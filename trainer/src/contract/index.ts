export * from './env.ts';
export * from './events.ts';
export * from './training.ts';
export * from './errors.ts';
export * from './issue.ts';
export * from './format-issue.ts';
export * from './zod-issues.ts';
