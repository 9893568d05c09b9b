/**
 * Several Optuna peers of one version, so that studies of that Optuna run on every core at once.
 * A study holds its peer from its first request to its last (the peer keeps the study's state).
 */
import { type OptunaPeer, startOptunaPeer } from './peer.ts';

export class PeerPool {
  private readonly idle: OptunaPeer[];
  private readonly waiting: ((peer: OptunaPeer) => void)[] = [];

  readonly peers: OptunaPeer[];

  constructor(peers: OptunaPeer[]) {
    this.peers = peers;
    this.idle = [...peers];
  }

  get version(): string {
    return this.peers[0]?.version ?? '';
  }

  get gpUnavailable(): string | undefined {
    return this.peers[0]?.gpUnavailable;
  }

  /** Runs `work` with a peer of its own, waiting for one to be free. */
  async use<T>(work: (peer: OptunaPeer) => Promise<T>): Promise<T> {
    const peer = this.idle.pop() ?? (await new Promise<OptunaPeer>((resolve) => this.waiting.push(resolve)));
    try {
      return await work(peer);
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next(peer);
      else this.idle.push(peer);
    }
  }

  close(): void {
    for (const peer of this.peers) peer.close();
  }
}

/** `size` peers of the Optuna at `source` (Debian's where undefined), or why there are none. */
export async function startPeerPool(size: number, source?: string): Promise<{ pool?: PeerPool; reason?: string }> {
  const peers: OptunaPeer[] = [];
  for (let i = 0; i < size; i++) {
    const { peer, reason } = await startOptunaPeer(source);
    if (peer === undefined) {
      for (const started of peers) started.close();
      return { reason };
    }
    peers.push(peer);
  }
  return { pool: new PeerPool(peers) };
}
