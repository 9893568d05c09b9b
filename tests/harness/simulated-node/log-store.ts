/** One line of a container's output as the kubelet keeps it. */
export interface LogEntry {
  /** RFC 3339 with nanoseconds, strictly increasing within a store. */
  timestamp: string;
  timeMs: number;
  stream: 'stdout' | 'stderr';
  /** The line with its trailing newline (the last line may lack it). */
  text: string;
}

type Follower = (entry: LogEntry | null) => void;

let lastMs = 0;
let sequence = 0;

// Lines written in the same millisecond still get distinct, ordered timestamps.
function nextTimestamp(): { timestamp: string; timeMs: number } {
  const now = Date.now();
  if (now === lastMs) sequence += 1;
  else {
    lastMs = now;
    sequence = 0;
  }
  const iso = new Date(now).toISOString();
  return { timestamp: `${iso.slice(0, -1)}${String(sequence).padStart(6, '0')}Z`, timeMs: now };
}

/** The output of one container attempt: lines in order, and followers that see new lines live. */
export class LogStore {
  readonly entries: LogEntry[] = [];
  #partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  #followers = new Set<Follower>();
  #closed = false;

  get isClosed(): boolean {
    return this.#closed;
  }

  write(stream: 'stdout' | 'stderr', chunk: string | Buffer): void {
    if (this.#closed) return;
    const text = this.#partial[stream] + chunk.toString();
    const lines = text.split('\n');
    this.#partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.#append(stream, `${line}\n`);
  }

  /** Flushes unterminated lines and ends every follower; later writes are dropped. */
  close(): void {
    if (this.#closed) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.#partial[stream] !== '') this.#append(stream, this.#partial[stream]);
    }
    this.#closed = true;
    for (const follower of this.#followers) follower(null);
    this.#followers.clear();
  }

  /** Calls `follower` for each new entry, and with null when the store closes; returns an unsubscribe. */
  follow(follower: Follower): () => void {
    if (this.#closed) {
      follower(null);
      return () => {};
    }
    this.#followers.add(follower);
    return () => this.#followers.delete(follower);
  }

  /** The last `maxLines` lines, cut to the last `maxBytes` bytes (the kubelet's fallback message). */
  tail(maxLines: number, maxBytes: number): string {
    const text = this.entries
      .slice(-maxLines)
      .map((entry) => entry.text)
      .join('');
    const bytes = Buffer.from(text);
    return bytes.length <= maxBytes ? text : bytes.subarray(bytes.length - maxBytes).toString();
  }

  #append(stream: 'stdout' | 'stderr', text: string): void {
    const entry: LogEntry = { ...nextTimestamp(), stream, text };
    this.entries.push(entry);
    for (const follower of this.#followers) follower(entry);
  }
}
