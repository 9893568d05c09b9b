/** Shared set-up for the trainer tests: the wasm backend and the bundled tiny fixture. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint } from '../../trainer/src/io/checkpoint.ts';
import type { MainIo } from '../../trainer/src/main.ts';

export const TINY_DIR = fileURLToPath(new URL('../../examples/tiny/', import.meta.url));
export const TINY_MODEL = join(TINY_DIR, 'model');
export const TINY_DATA = join(TINY_DIR, 'cncf-qa.jsonl');

export async function useWasm(): Promise<void> {
  if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
}

export function tinyCheckpoint() {
  return loadCheckpoint(TINY_MODEL);
}

export function tempDir(prefix = 'lorahpo-trainer-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface Capture {
  io: MainIo;
  stdoutLines: () => string[];
  stderrText: () => string;
}

/** Collects what main() writes. */
export function captureIo(env: NodeJS.ProcessEnv = {}, signal: AbortSignal = new AbortController().signal): Capture {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { env, signal, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    stdoutLines: () =>
      out
        .join('')
        .split('\n')
        .filter((l) => l !== ''),
    stderrText: () => err.join(''),
  };
}
