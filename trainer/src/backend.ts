/**
 * Chooses the TensorFlow.js backend at start: @tensorflow/tfjs-node-gpu, then
 * @tensorflow/tfjs-node (optional dependencies: native TensorFlow), then wasm, then the pure-JS cpu
 * backend; `--backend` forces one and fails loudly when it cannot start. When a GPU is asked
 * for but TensorFlow silently fell back to the CPU (e.g. CUDA 12 without libcudart.so.11.0), the
 * trainer stops with an error rather than train 100× slower.
 */
import { existsSync, readFileSync } from 'node:fs';
import util from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { LorahpoError } from './contract/errors.ts';
import type { GradientMode } from './model/ops.ts';

export const BACKEND_CHOICES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface SelectedBackend {
  choice: BackendChoice;
  /** Explicit-transpose gradients where transpose flags are slow (wasm, cpu). */
  gradientMode: GradientMode;
}

/** tfjs-node 4.22 calls util helpers that Node ≥ 23 removed; define the missing ones first. */
export function shimNodeUtil(): void {
  const u = util as unknown as Record<string, unknown>;
  const shims: Record<string, (v: unknown) => boolean> = {
    isNullOrUndefined: (v) => v === null || v === undefined,
    isArray: (v) => Array.isArray(v),
    isString: (v) => typeof v === 'string',
    isNumber: (v) => typeof v === 'number',
    isFunction: (v) => typeof v === 'function',
    isObject: (v) => v !== null && typeof v === 'object',
  };
  for (const [name, fn] of Object.entries(shims)) if (typeof u[name] !== 'function') u[name] = fn;
}

/** Whether TensorFlow loaded the CUDA runtime and driver (it logs, but does not fail, without them). */
export function cudaLoaded(mapsFile = '/proc/self/maps'): boolean {
  if (!existsSync(mapsFile)) return false;
  const maps = readFileSync(mapsFile, 'utf8');
  return /libcudart\.so/.test(maps) && /libcuda\.so/.test(maps);
}

function gpuExpected(env: NodeJS.ProcessEnv): boolean {
  const visible = env.NVIDIA_VISIBLE_DEVICES;
  return visible !== undefined && visible !== '' && visible !== 'void' && visible !== 'none';
}

async function startTensorflow(pkg: string, isGpuRequired: boolean): Promise<void> {
  shimNodeUtil();
  await import(pkg);
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but the 'tensorflow' backend did not start`);
  tf.tidy(() => tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).dataSync());
  if (isGpuRequired && !cudaLoaded()) {
    throw new LorahpoError(
      'LORAHPO_BACKEND',
      `${pkg} started on the CPU: TensorFlow did not load CUDA (libcudart.so.11.0 and libcudnn.so.8 are needed; CUDA 12 alone is not enough)`,
      {
        hint: 'use a CUDA 11.8 + cuDNN 8 runtime image, or pass --backend tensorflow / wasm to train on the CPU deliberately',
      },
    );
  }
}

async function start(choice: BackendChoice, env: NodeJS.ProcessEnv, forced: boolean): Promise<SelectedBackend> {
  if (choice === 'tensorflow-gpu') await startTensorflow('@tensorflow/tfjs-node-gpu', forced || gpuExpected(env));
  else if (choice === 'tensorflow') await startTensorflow('@tensorflow/tfjs-node', false);
  else {
    if (choice === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend(choice))) throw new Error(`the ${choice} backend did not start`);
  }
  return { choice, gradientMode: choice.startsWith('tensorflow') ? 'autograd' : 'explicit' };
}

/** Starts the forced backend, or the first that starts in the order above; `log` says which and why. */
export async function selectBackend(
  forced: BackendChoice | undefined,
  env: NodeJS.ProcessEnv,
  log: (m: string) => void,
): Promise<SelectedBackend> {
  if (forced !== undefined) {
    try {
      return await start(forced, env, true);
    } catch (error) {
      if (error instanceof LorahpoError) throw error;
      throw new LorahpoError(
        'LORAHPO_BACKEND',
        `backend ${forced} was asked for but could not start: ${(error as Error).message}`,
      );
    }
  }
  for (const choice of BACKEND_CHOICES) {
    try {
      return await start(choice, env, false);
    } catch (error) {
      if (error instanceof LorahpoError) throw error;
      log(`backend ${choice} unavailable (${(error as Error).message.split('\n')[0]})`);
    }
  }
  throw new LorahpoError('LORAHPO_BACKEND', 'no TensorFlow.js backend could start');
}
