/** The whole suite: 25 problems, each run at noise none, low and high. */
import { CONTINUOUS } from './continuous.ts';
import { LLM_LIKE } from './llm-like.ts';
import { MIXED } from './mixed.ts';
import type { Problem } from './problem.ts';

export const SUITE: Problem[] = [...CONTINUOUS, ...MIXED, ...LLM_LIKE];
