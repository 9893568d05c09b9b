import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedProcess } from './managed-process.ts';

/** GETs an HTTPS URL trusting `ca`; resolves with the status code, or 0 when nothing answers. */
export function httpsStatus(url: string, ca: string, token?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { ca, headers: token ? { authorization: `Bearer ${token}` } : {}, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.once('error', () => resolve(0));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Polls `check` until it returns true; fails early with the process's log when it dies, and
 * after `timeoutMs` with what was being waited for.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  process: ManagedProcess | undefined,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delayMs = 20;
  for (;;) {
    if (process && !process.isRunning()) {
      throw new Error(
        `${process.name} exited while waiting for ${what}; log ${process.logPath}:\n${process.logTail()}`,
      );
    }
    if (await check()) return;
    if (Date.now() > deadline) {
      const log = process ? `; log ${process.logPath}:\n${process.logTail()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${log}`);
    }
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 250);
  }
}
