/**
 * Trainer bench (npm run bench:trainer):
 *  1. reference check against an independent PyTorch implementation (torch_reference.py) on the
 *     tiny fixture: logits, and the loss after one identical LoRA step (AdamW + clipping);
 *  2. speed of one LoRA training step at the TRAINER.md config (vocab 2000, d_model 256, 4 layers,
 *     4 heads, SwiGLU 688, seq 128, batch 8, r 8 on q/k/v/o, AdamW) on each tfjs backend that runs
 *     here, next to PyTorch CPU (OpenBLAS) on the same number of cores, in the same run.
 * PyTorch comes from Debian (`apt-get install -y python3-torch libopenblas0-pthread`); this script
 * installs nothing and says so where torch is missing.
 *
 *   node bench/trainer/bench.ts [--steps N] [--skip-cpu]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { referenceCheck } from './reference-check.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const steps = Number(args[args.indexOf('--steps') + 1] || 3) || 3;
const skipCpu = args.includes('--skip-cpu');

const SPEC_FILE = fileURLToPath(new URL('./bench-spec.json', import.meta.url));
const BENCH_SPEC = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as { batch: number; seqLen: number };

/** A Python with torch importable, or undefined. */
export function findTorchPython(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return python;
  }
  return undefined;
}

interface SpeedRow {
  name: string;
  cores: number;
  msPerStep?: number;
  medianMs?: number;
  tokensPerS?: number;
  note?: string;
}

function runVariant(variant: string, cores: number, variantSteps: number): SpeedRow {
  const child = spawnSync(
    process.execPath,
    [fileURLToPath(new URL('./speed-variant.ts', import.meta.url)), variant, String(variantSteps), String(cores)],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  const line = child.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .at(-1);
  if (line === undefined)
    return { name: variant, cores, note: `failed: ${(child.stderr || '').trim().split('\n').at(-1)}` };
  const parsed = JSON.parse(line) as { msPerStep: number; medianMs: number; tokensPerS: number; error?: string };
  if (parsed.error !== undefined) return { name: variant, cores, note: shortError(parsed.error) };
  return {
    name: variant,
    cores,
    msPerStep: parsed.msPerStep,
    medianMs: parsed.medianMs,
    tokensPerS: parsed.tokensPerS,
  };
}

function shortError(message: string): string {
  const missing = /Cannot find package '(@tensorflow\/[\w-]+)'/.exec(message);
  if (missing !== null) return `not installed: ${missing[1]}`;
  return message.replace(/\|/g, '/').slice(0, 120);
}

function runTorch(python: string, threads: number, torchSteps: number): SpeedRow {
  // OpenBLAS keeps its own thread pool: pin it too, so "1 core" means one core on both sides
  const pinned = {
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
    MKL_NUM_THREADS: String(threads),
  };
  const child = spawnSync(
    python,
    [`${HERE}torch_reference.py`, 'speed', SPEC_FILE, String(threads), String(torchSteps)],
    { encoding: 'utf8', env: { ...process.env, ...pinned } },
  );
  const line = child.stdout.trim().split('\n').at(-1);
  if (child.status !== 0 || !line)
    return { name: `pytorch-cpu-openblas`, cores: threads, note: `failed: ${child.stderr.trim().split('\n').at(-1)}` };
  const r = JSON.parse(line) as { ms_per_step: number; median_ms: number; tokens_per_s: number };
  return {
    name: 'pytorch-cpu-openblas',
    cores: threads,
    msPerStep: r.ms_per_step,
    medianMs: r.median_ms,
    tokensPerS: r.tokens_per_s,
  };
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined
    ? '—'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function speedTable(rows: SpeedRow[]): string {
  const torchBy = new Map(
    rows.filter((r) => r.name.startsWith('pytorch') && r.tokensPerS).map((r) => [r.cores, r.tokensPerS!]),
  );
  const lines = [
    '| setup | cores | best ms per step | median ms | tokens/s (best) | slowdown vs PyTorch, same cores |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const peer = torchBy.get(r.cores);
    const ratio =
      r.tokensPerS && peer && !r.name.startsWith('pytorch')
        ? `${(peer / r.tokensPerS).toFixed(2)}×`
        : r.name.startsWith('pytorch')
          ? 'peer'
          : '—';
    lines.push(
      `| ${r.name}${r.note ? ` (${r.note})` : ''} | ${r.cores} | ${fmt(r.msPerStep)} | ${fmt(r.medianMs)} | ${fmt(r.tokensPerS)} | ${ratio} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const python = findTorchPython();
  const cores = Math.min(2, cpus().length);
  console.log(
    `# lorahpo trainer bench — ${new Date().toISOString()}, ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), node ${process.version}\n`,
  );
  if (python === undefined) {
    console.log(
      'PyTorch is not installed here (no python3 with `import torch`): the reference check and the PyTorch peer are skipped.',
    );
    console.log('On Debian: apt-get install -y python3-torch libopenblas0-pthread (this script installs nothing).\n');
  } else {
    console.log('## Reference check against PyTorch (tiny fixture, one LoRA step)\n');
    console.log(await referenceCheck(python));
    console.log('');
  }
  console.log(
    `## Speed: one LoRA training step, ${BENCH_SPEC.batch}×${BENCH_SPEC.seqLen} tokens, d_model 256, 4 layers, r 8 on q/k/v/o, AdamW\n`,
  );
  const rows: SpeedRow[] = [];
  if (python !== undefined) rows.push(runTorch(python, 1, steps));
  rows.push(
    runVariant('tensorflow', 1, steps),
    runVariant('wasm-explicit', 1, steps),
    runVariant('wasm-autograd', 1, Math.max(1, Math.ceil(steps / 2))),
  );
  if (!skipCpu) rows.push(runVariant('cpu-explicit', 1, 1));
  if (cores >= 2) {
    if (python !== undefined) rows.push(runTorch(python, cores, steps));
    rows.push(runVariant('wasm-data-parallel', cores, steps));
  }
  console.log(speedTable(rows));
}

if (import.meta.main) await main();
