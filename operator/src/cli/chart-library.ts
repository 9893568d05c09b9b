/**
 * The chart library's browser bundle, read from node_modules when a report is made, so the HTML
 * carries it inline and never loads anything. ECharts: Apache-governed and released often,
 * one ~1.1 MB file with every chart the report needs (parallel coordinates, heatmap, lines on a
 * Cartesian grid), canvas rendering that stays fast at thousands of curves.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let cached: string | undefined;

export function chartLibrarySource(): string {
  cached ??= readFileSync(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'), 'utf8');
  return cached;
}
