import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';

export interface InformerHandlers<T> {
  add(object: T): void;
  update(object: T): void;
  delete(object: T): void;
}

export interface ResilientInformer<T extends KubernetesObject> {
  readonly cache: ListWatch<T>;
  stop(): Promise<void>;
}

/**
 * A client-node informer that is restarted after an error (client-node's stops for good on
 * one, e.g. when the API server restarts). Resolves once the first list has been delivered.
 */
export async function startResilientInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  list: () => Promise<KubernetesListObject<T>>,
  handlers: InformerHandlers<T>,
  options: { fieldSelector?: string; retryMs?: number; report?: (message: string) => void } = {},
): Promise<ResilientInformer<T>> {
  let listed: () => void = () => {};
  const synced = new Promise<void>((resolve) => {
    listed = resolve;
  });
  const listAndMark = async () => {
    const result = await list();
    // The cache fills right after the list resolves; let that happen before reporting synced.
    setImmediate(listed);
    return result;
  };
  const cache = new ListWatch<T>(path, new Watch(kc), listAndMark, false, undefined, options.fieldSelector);
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  cache.on('add', handlers.add);
  cache.on('update', handlers.update);
  cache.on('delete', handlers.delete);
  cache.on('error', (error: unknown) => {
    if (stopped) return;
    options.report?.(`watch ${path} failed (${(error as Error)?.message ?? error}); restarting`);
    clearTimeout(retry);
    retry = setTimeout(() => {
      if (!stopped) void cache.start();
    }, options.retryMs ?? 250);
  });
  void cache.start();
  await synced;
  return {
    cache,
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await cache.stop();
    },
  };
}
