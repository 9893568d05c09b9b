/** A process's peak resident memory (VmHWM) and CPU seconds (user + system), from /proc. */
import { readFileSync } from 'node:fs';

export interface ProcessStats {
  peakRssMiB: number;
  cpuSeconds: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

export function processStats(pid: number): ProcessStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwmKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { peakRssMiB: hwmKiB / 1024, cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND };
}
