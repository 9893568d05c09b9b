/**
 * `npm run bench:sampler [-- --quick] [-- --seeds N] [-- --budgets 30,100] [-- --noise none,high]
 * [-- --modes 1,4] [-- --problems Sphere,LoRA] [-- --only quality|speed] [-- --peer off] [-- --gp-budget 30] [-- --no-install]
 * [-- --optuna-source DIR[=multi+default+gp]]… [-- --jobs N] [-- --record FILE [-- --record-only]]`:
 * our samplers against Optuna's (python3-optuna, found via $LORAHPO_PYTHON, python3 or
 * /usr/bin/python3) side by side in one run, printing markdown tables. Where Optuna is missing
 * it installs Debian's python3-optuna (as root, unless --no-install); failing that it says so
 * and prints ours alone. Each --optuna-source adds a newer Optuna from a source tree fetched
 * beside the project (DIR/optuna, e.g. `git archive v4.9.0 optuna`; never committed here), with
 * the samplers named after `=`: its multivariate TPE, its TPE with that version's own defaults,
 * and its GPSampler (where it runs with the torch installed); all three where none are named.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { type Contender, type OptunaSampler, optuna, ours } from './contenders.ts';
import { type PeerPool, startPeerPool } from './peer-pool.ts';
import { type NoiseLevel, withNoise } from './problems/problem.ts';
import { SUITE } from './problems/suite.ts';
import { gpSpeedTable, speedTable } from './speed.ts';
import { RunRecord, codeFingerprints } from './record.ts';
import { runSuite } from './suite.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seeds: { type: 'string' },
    budgets: { type: 'string' },
    noise: { type: 'string' },
    modes: { type: 'string' },
    problems: { type: 'string' },
    only: { type: 'string' },
    'no-install': { type: 'boolean', default: false },
    peer: { type: 'string', default: 'on' },
    'gp-budget': { type: 'string', default: '30' },
    'optuna-source': { type: 'string', multiple: true, default: [] },
    jobs: { type: 'string' },
    record: { type: 'string' },
    'record-only': { type: 'boolean', default: false },
  },
});

const log = (line: string) => process.stderr.write(`${line}\n`);
const list = (text: string | undefined, fallback: string) => (text ?? fallback).split(',').map((s) => s.trim());

const OPTUNA_DEFAULT = 'Optuna default (uni)';
/** GP for the first 30 complete trials, TPE after: it runs every budget, as a default must. */
const OURS_AUTO = 'ours auto (default: gp, then tpe)';
/** The GP runs to this many trials only (its fit costs O(N³) per trial); --gp-budget changes it. */
const GP_BUDGET = Number(args['gp-budget']);

/** Cells run at once, each Optuna study in a peer process of its own: one per core by default. */
const JOBS = Math.max(1, Number(args.jobs ?? os.cpus().length));

/** A newer Optuna from a source tree, and which of its samplers take part. */
interface NewerOptuna {
  pool: PeerPool;
  samplers: string[];
}

const NEWER_SAMPLERS: Record<string, OptunaSampler> = {
  multi: { multivariate: true },
  default: { sampler: 'tpe-defaults' },
  gp: { sampler: 'gp' },
};

function newerContenders(newer: NewerOptuna[]): Contender[] {
  return newer.flatMap(({ pool, samplers }) => {
    const version = pool.version.split(' ')[0];
    return samplers.map((name) =>
      optuna(
        `Optuna ${version} ${name}`,
        pool,
        NEWER_SAMPLERS[name] as OptunaSampler,
        name === 'gp' ? GP_BUDGET : undefined,
      ),
    );
  });
}

async function startNewerOptuna(specs: string[]): Promise<NewerOptuna[]> {
  const started: NewerOptuna[] = [];
  for (const spec of specs) {
    const [source = '', named] = spec.split('=');
    const wanted = named === undefined ? Object.keys(NEWER_SAMPLERS) : named.split('+');
    const unknown = wanted.filter((name) => !(name in NEWER_SAMPLERS));
    if (unknown.length > 0)
      throw new Error(`--optuna-source ${spec}: unknown sampler ${unknown.join(', ')} (multi, default, gp)`);
    const { pool, reason } = await startPeerPool(JOBS, source);
    if (pool === undefined) throw new Error(`--optuna-source ${source}: no Optuna there (${reason})`);
    if (wanted.includes('gp') && pool.gpUnavailable !== undefined)
      log(`Optuna ${pool.version}: GPSampler left out (${pool.gpUnavailable})`);
    const samplers = wanted.filter((name) => name !== 'gp' || pool.gpUnavailable === undefined);
    started.push({ pool, samplers });
  }
  return started;
}

function contenders(peer: PeerPool | undefined, newer: NewerOptuna[], parallel: number): Contender[] {
  return [...ownAndPeerContenders(peer, parallel), ...newerContenders(newer)];
}

function ownAndPeerContenders(peer: PeerPool | undefined, parallel: number): Contender[] {
  if (parallel === 1) {
    const list: Contender[] = [
      ours('random', { algorithm: 'random' }),
      ours('ours uni', { algorithm: 'tpe', multivariate: false }, OPTUNA_DEFAULT),
      ours('ours multi (scott)', { algorithm: 'tpe', bandwidth: 'scott' }, 'Optuna multi'),
      ours('ours tpe (multi, neighbour)', { algorithm: 'tpe' }, 'Optuna multi'),
      ours('ours gp', { algorithm: 'gp' }, undefined, GP_BUDGET),
      ours(OURS_AUTO, { algorithm: 'auto' }, 'Optuna multi'),
    ];
    if (peer !== undefined)
      list.push(
        optuna(OPTUNA_DEFAULT, peer, { multivariate: false }),
        optuna('Optuna multi', peer, { multivariate: true }),
      );
    return list;
  }
  const list: Contender[] = [
    ours('random', { algorithm: 'random' }),
    ours('ours tpe', { algorithm: 'tpe' }, 'Optuna multi'),
    ours('ours tpe + liar', { algorithm: 'tpe', constantLiar: true }, 'Optuna multi + liar'),
    ours('ours uni + liar', { algorithm: 'tpe', multivariate: false, constantLiar: true }, OPTUNA_DEFAULT),
    ours('ours gp', { algorithm: 'gp' }, undefined, GP_BUDGET),
    ours(OURS_AUTO, { algorithm: 'auto' }, 'Optuna multi'),
  ];
  if (peer !== undefined)
    list.push(
      optuna(OPTUNA_DEFAULT, peer, { multivariate: false }),
      optuna('Optuna multi', peer, { multivariate: true }),
      optuna('Optuna multi + liar', peer, { multivariate: true, constantLiar: true }),
    );
  return list;
}

/** Debian's python3-optuna, when we may: root, apt-get present, not --no-install. */
function installOptuna(): string {
  if (args['no-install'] || process.getuid?.() !== 0) return 'not installing (--no-install or not root)';
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'python3-optuna'], { env, stdio: 'inherit' });
  log('Optuna missing: apt-get install python3-optuna');
  let result = install();
  if (result.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
    result = install();
  }
  return result.status === 0 ? 'installed' : `apt-get failed (${result.status ?? result.error?.message})`;
}

async function main(): Promise<void> {
  const quick = args.quick ?? false;
  const seeds = Number(args.seeds ?? (quick ? 5 : 20));
  // --peer off: ours alone, for a fast developer's loop (Optuna 3.1 takes ~97 % of a run's time).
  let { pool: peer, reason } =
    args.peer === 'off' ? { pool: undefined, reason: '--peer off' } : await startPeerPool(JOBS);
  if (peer === undefined && args.peer !== 'off') {
    const installed = installOptuna();
    if (installed === 'installed') ({ pool: peer, reason } = await startPeerPool(JOBS));
    else reason = `${reason}; ${installed}`;
  }
  const newer = await startNewerOptuna(args['optuna-source'] ?? []);
  const argv = process.argv.slice(2);
  console.log(
    `# Sampler benchmark (${quick ? 'quick' : 'full'} mode): npm run bench:sampler${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
  );
  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${new Date().toISOString()}`,
  );
  console.log(peer !== undefined ? `Optuna ${peer.version}` : `Optuna missing, ours only (${reason}).`);
  for (const { pool, samplers } of newer) console.log(`Optuna ${pool.version}: ${samplers.join(', ')}`);
  const record = args.record === undefined ? undefined : new RunRecord(args.record, codeFingerprints());
  if (record !== undefined)
    log(
      `record ${args.record}: ${record.size} cells of this code${record.stale > 0 ? `, ${record.stale} stale lines ignored` : ''}`,
    );
  const started = performance.now();
  try {
    if (args.only !== 'speed') {
      console.log('\n## Quality\n');
      const budgets = list(args.budgets, quick ? '30,50' : '30,100,200').map(Number);
      const noise = list(args.noise, quick ? 'none,high' : 'none,low,high') as NoiseLevel[];
      const modes = list(args.modes, quick ? '1' : '1,4').map(Number);
      const filters = args.problems === undefined ? undefined : list(args.problems, '');
      const problems = SUITE.filter((p) => filters === undefined || filters.some((f) => p.name.includes(f)));
      const tasks = problems.flatMap((problem) => noise.map((level) => withNoise(problem, level)));
      console.log(
        await runSuite(tasks, (parallel) => contenders(peer, newer, parallel), {
          seeds,
          budgets,
          modes,
          peerDefault: peer === undefined ? undefined : OPTUNA_DEFAULT,
          // each newer Optuna's own default TPE is a reference too (the rule's "Optuna's default"),
          // and its GPSampler one for our GP
          alsoVersus: newerContenders(newer)
            .map((c) => c.label)
            .filter((label) => label.endsWith(' default') || label.endsWith(' gp')),
          significance: 0.05,
          jobs: JOBS,
          record,
          recordOnly: args['record-only'],
          log,
        }),
      );
    }
    if (args.only !== 'quality') {
      console.log('\n## Speed\n');
      const sizes = quick ? [100, 1000] : [100, 500, 1000, 2000];
      console.log(
        await speedTable(peer?.peers[0], {
          sizes,
          oursWindow: quick ? 30 : 100,
          optunaWindow: quick ? 5 : 20,
          repeats: quick ? 1 : 3,
          log,
        }),
      );
      console.log(`\n${gpSpeedTable(quick ? [50, 100] : [50, 100, 300], quick ? 3 : 5)}`);
    }
  } finally {
    peer?.close();
    for (const { pool } of newer) pool.close();
  }
  console.log(`\n(total ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

await main();
