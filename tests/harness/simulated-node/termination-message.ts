import { openSync, readSync, closeSync } from 'node:fs';
import type { V1Container } from '@kubernetes/client-node';
import type { ContainerExit } from './container-runtime.ts';
import type { LogStore } from './log-store.ts';

// The kubelet's limits (pkg/kubelet/container): 4 KiB from the file, 80 lines / 2 KiB of log.
const maxFileBytes = 4096;
const fallbackLines = 80;
const fallbackBytes = 2048;

function readPrefix(path: string, maxBytes: number): string {
  try {
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(maxBytes);
      const length = readSync(fd, buffer, 0, maxBytes, 0);
      return buffer.subarray(0, length).toString();
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** The terminated state's message: the file's content, else the log tail when the policy asks and the container failed. */
export function terminationMessage(
  container: V1Container,
  filePath: string,
  exit: ContainerExit,
  logs: LogStore,
): string | undefined {
  const fromFile = readPrefix(filePath, maxFileBytes);
  if (fromFile !== '') return fromFile;
  if (container.terminationMessagePolicy === 'FallbackToLogsOnError' && exit.exitCode !== 0) {
    const tail = logs.tail(fallbackLines, fallbackBytes);
    if (tail !== '') return tail;
  }
  return exit.message;
}
