/**
 * Preloaded into `npm test` and into every test file's process (`node --import`). Under
 * `--test-force-exit` each file's process exits as soon as its last test ends, and on Linux its
 * stdout, the pipe that carries its verdicts to the runner, is written asynchronously: the
 * verdicts still buffered are lost, and the run counts neither pass nor fail for them
 * (nodejs/node#64833, open). Blocking writes reach the pipe before the exit.
 */
for (const stream of [process.stdout, process.stderr]) {
  (stream as unknown as { _handle?: { setBlocking?: (on: boolean) => void } })._handle?.setBlocking?.(true);
}
