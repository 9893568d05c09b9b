/**
 * The run record: one JSON line per finished cell (mode × task × contender: every seed's regret
 * at each budget), appended as soon as the cell ends. A run given the same record skips the cells
 * it already holds, so a full run (hours on two cores) can stop and go on, and its tables can be
 * printed again from the record alone. A cell counts only where the code that made it is the
 * same: its fingerprint hashes what its numbers depend on, and an Optuna cell also names its
 * Optuna version.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * What an Optuna cell's numbers depend on besides the seed and the Optuna version: the problems,
 * their noise and scale (our seeded streams and random points), the driver and the peer script.
 */
export const PEER_INPUTS = [
  'bench/sampler/problems',
  'bench/sampler/contenders.ts',
  'bench/sampler/optuna_peer.py',
  'operator/src/sampler/rng.ts',
  'operator/src/sampler/random.ts',
  'operator/src/sampler/domain.ts',
  'operator/src/api/parameters.ts',
  'operator/src/api/search-space.ts',
];
/** What one of our cells depends on: the same, and our samplers. */
export const OURS_INPUTS = [
  ...PEER_INPUTS,
  'operator/src/sampler',
  'operator/src/study',
  'operator/src/api/sampler-spec.ts',
  'operator/src/trial-record.ts',
];

export interface Cell {
  mode: number;
  task: string;
  contender: string;
  /** The contender's code: the Optuna version for a peer, empty for ours (the fingerprint covers it). */
  version: string;
  seeds: number;
  /** budget → regret per seed. */
  regrets: Record<string, number[]>;
  seconds: number;
  fingerprint: string;
}

function files(root: string, entry: string): string[] {
  const full = path.join(root, entry);
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(full, name))
    .filter((name) => name.endsWith('.ts') && statSync(name).isFile())
    .sort();
}

function fingerprint(root: string, inputs: string[]): string {
  const hash = createHash('sha256');
  for (const file of new Set(inputs.flatMap((entry) => files(root, entry))))
    hash.update(path.relative(root, file)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Our cells go stale when our samplers change; Optuna's cells (most of a run's time) only when
 * the problems or the driver do. `root`: the project (another only for tests).
 */
export function codeFingerprints(root = ROOT): Fingerprints {
  return { ours: fingerprint(root, OURS_INPUTS), peer: fingerprint(root, PEER_INPUTS) };
}

export interface Fingerprints {
  ours: string;
  peer: string;
}

const keyOf = (cell: Pick<Cell, 'mode' | 'task' | 'contender' | 'version' | 'seeds'>) =>
  JSON.stringify([cell.mode, cell.task, cell.contender, cell.version, cell.seeds]);

export class RunRecord {
  private readonly cells = new Map<string, Cell>();
  /** Lines of the file that were made by other code, or that could not be read. */
  readonly stale: number = 0;
  /** The file ends in a torn line: the next cell starts on a line of its own. */
  private tornEnd = false;

  private readonly file: string | undefined;
  readonly fingerprints: Fingerprints;

  constructor(file: string | undefined, fingerprints: Fingerprints) {
    this.file = file;
    this.fingerprints = fingerprints;
    if (file === undefined || !existsSync(file)) return;
    let stale = 0;
    const text = readFileSync(file, 'utf8');
    this.tornEnd = text.length > 0 && !text.endsWith('\n');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let cell: Cell;
      try {
        cell = JSON.parse(line) as Cell;
      } catch {
        stale++; // a line torn by an interrupted write: that cell runs again
        continue;
      }
      if (cell.fingerprint === this.fingerprintOf(cell)) this.cells.set(keyOf(cell), cell);
      else stale++;
    }
    this.stale = stale;
  }

  get size(): number {
    return this.cells.size;
  }

  /** The recorded cell, where it covers every budget asked for. */
  find(key: Pick<Cell, 'mode' | 'task' | 'contender' | 'version' | 'seeds'>, budgets: number[]): Cell | undefined {
    const cell = this.cells.get(keyOf(key));
    return cell !== undefined && budgets.every((budget) => String(budget) in cell.regrets) ? cell : undefined;
  }

  /** A peer cell names its Optuna version; ours leave it empty. */
  private fingerprintOf(cell: Pick<Cell, 'version'>): string {
    return cell.version === '' ? this.fingerprints.ours : this.fingerprints.peer;
  }

  add(cell: Omit<Cell, 'fingerprint'>): void {
    const full = { ...cell, fingerprint: this.fingerprintOf(cell) };
    this.cells.set(keyOf(full), full);
    if (this.file === undefined) return;
    appendFileSync(this.file, `${this.tornEnd ? '\n' : ''}${JSON.stringify(full)}\n`);
    this.tornEnd = false;
  }
}
