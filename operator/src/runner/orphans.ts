/**
 * Trials left running by a runner that died (SIGKILL, a crash): they run in their own process
 * group, so nothing stops them. On resume the runner stops each one it can prove is its own: on
 * Linux, a process whose environment names this trial and this state directory's output folder
 * (a reused pid of some unrelated process never matches). Elsewhere it leaves them alone.
 */
import { readFileSync } from 'node:fs';

function environmentOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

/** Kills the process group of `pid` if it is still this trial's process; true when it did. */
export function stopOrphan(pid: number, trial: string, outputDir: string): boolean {
  const environment = environmentOf(pid);
  if (!environment?.includes(`LORAHPO_TRIAL=${trial}`) || !environment.includes(`LORAHPO_OUTPUT_DIR=${outputDir}`))
    return false;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  return true;
}
