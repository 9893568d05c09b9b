/**
 * `npm run bench:sampler [-- --quick] [-- --seeds N] [-- --only quality|speed]`: our TPE against
 * Optuna's (python3-optuna, found via $LORAHPO_PYTHON, python3 or /usr/bin/python3) side by
 * side, printing two markdown tables. Installs nothing; without Optuna it says so and prints ours.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ours, optuna, type Contender } from './contenders.ts';
import { startOptunaPeer, type OptunaPeer } from './peer.ts';
import { PROBLEMS } from './problems.ts';
import { qualityTable } from './quality.ts';
import { speedTable } from './speed.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seeds: { type: 'string' },
    only: { type: 'string' },
  },
});

const log = (line: string) => process.stderr.write(`${line}\n`);

function contenders(peer: OptunaPeer | undefined): Contender[] {
  const list: Contender[] = [
    ours('random', { algorithm: 'random' }),
    ours('ours uni', { algorithm: 'tpe', multivariate: false }, 'Optuna uni'),
    ours('ours multi (scott)', { algorithm: 'tpe', multivariate: true, bandwidth: 'scott' }, 'Optuna multi'),
    ours('ours multi (neighbour) = default', { algorithm: 'tpe' }, 'Optuna multi'),
  ];
  if (peer !== undefined) list.push(optuna('Optuna uni', peer, false), optuna('Optuna multi', peer, true));
  return list;
}

async function main(): Promise<void> {
  const quick = args.quick ?? false;
  const seeds = Number(args.seeds ?? (quick ? 5 : 20));
  const { peer, reason } = await startOptunaPeer();
  console.log(
    `# Sampler benchmark (${quick ? 'quick' : 'full'} mode): npm run bench:sampler${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  );
  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${new Date().toISOString()}`,
  );
  console.log(
    peer !== undefined
      ? `Optuna ${peer.version}`
      : `Optuna missing, ours only (${reason}). Install: apt-get install python3-optuna`,
  );
  const started = performance.now();
  try {
    if (args.only !== 'speed') {
      console.log('\n## Quality\n');
      const budgets = quick ? [50] : [50, 100];
      const problems = quick ? PROBLEMS.filter((p) => p.name !== 'Hartmann6') : PROBLEMS;
      console.log(await qualityTable(problems, contenders(peer), { seeds, budgets, log }));
    }
    if (args.only !== 'quality') {
      console.log('\n## Speed\n');
      const sizes = quick ? [100, 1000] : [100, 500, 1000, 2000];
      console.log(
        await speedTable(peer, {
          sizes,
          oursWindow: quick ? 30 : 100,
          optunaWindow: quick ? 5 : 20,
          repeats: quick ? 1 : 3,
          log,
        }),
      );
    }
  } finally {
    peer?.close();
  }
  console.log(`\n(total ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

await main();
