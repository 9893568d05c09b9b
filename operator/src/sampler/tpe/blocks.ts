/**
 * Which dimensions TPE models jointly. Univariate: each alone. Multivariate: one joint block of
 * the parameters every finished trial holds; the rest alone (conditional parameters). Group: one
 * joint block per set of parameters that always appear together.
 */
import type { Observations } from './observations.ts';

export type TpeMode = 'univariate' | 'multivariate' | 'group';

function presence(observations: Observations, d: number, rows: readonly number[]): string {
  const column = observations.columns[d];
  let signature = '';
  for (const row of rows) signature += Number.isNaN(column[row]) ? '0' : '1';
  return signature;
}

function finishedRows(observations: Observations): number[] {
  const rows: number[] = [];
  observations.trials.forEach((trial, row) => {
    if (trial.state === 'complete' || trial.state === 'pruned') rows.push(row);
  });
  return rows;
}

/** Whether every one of `rows` holds this dimension (a plain loop: this runs on every ask). */
function heldByAll(column: Float64Array, rows: readonly number[]): boolean {
  for (let i = 0; i < rows.length; i++) if (Number.isNaN(column[rows[i]])) return false;
  return true;
}

/** Blocks of dimension indices, in the order of their first dimension. */
export function planBlocks(dimensions: number, observations: Observations, mode: TpeMode): number[][] {
  const all = Array.from({ length: dimensions }, (_, d) => d);
  if (mode === 'univariate') return all.map((d) => [d]);
  const rows = finishedRows(observations);
  if (mode === 'multivariate') {
    const joint = all.filter((d) => heldByAll(observations.columns[d], rows));
    return [joint, ...all.filter((d) => !joint.includes(d)).map((d) => [d])].filter((block) => block.length > 0);
  }
  const signatures = all.map((d) => presence(observations, d, rows));
  const groups = new Map<string, number[]>();
  for (const d of all) {
    const key = signatures[d].includes('1') ? signatures[d] : `alone:${d}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [d]);
    else group.push(d);
  }
  return [...groups.values()];
}
