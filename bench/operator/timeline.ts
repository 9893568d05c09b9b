/**
 * What the benchmark sees of the operator, through its own watches straight to the API server:
 * when each trial's pod was seen terminated, when its LoraTrial was seen finished, and when each
 * LoraTrial and Job was first seen. Turnaround is a trial's end → the study's next Job, so the
 * simulated kubelet's own lag in reporting the end is not counted.
 */
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';

interface Seen {
  /** trial name → ms */
  podEnded: Map<string, number>;
  trialFinished: Map<string, number>;
  trialCreated: Map<string, number>;
  jobCreated: Map<string, number>;
}

export interface Turnaround {
  /** Pod seen terminated → the next trial's Job seen (what the target is about). */
  total: number[];
  /** Pod seen terminated → its LoraTrial seen finished (log read, final status written). */
  finish: number[];
  /** Pod seen terminated → the next LoraTrial seen (planned and created). */
  created: number[];
  /** The trials whose ends these are. */
  ended: string[];
}

const FINISHED = new Set(['Succeeded', 'Pruned', 'EarlyStopped', 'Failed']);
const studyOf = (object: KubernetesObject): string => object.metadata?.labels?.['lorahpo.io/study'] ?? '?';

export class Timeline {
  readonly #seen: Seen = {
    podEnded: new Map(),
    trialFinished: new Map(),
    trialCreated: new Map(),
    jobCreated: new Map(),
  };
  readonly #informers: Array<ListWatch<KubernetesObject>> = [];
  readonly #studyOfTrial = new Map<string, string>();

  async start(kubeConfig: KubeConfig, namespace: string): Promise<void> {
    const watch = new Watch(kubeConfig);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const batch = kubeConfig.makeApiClient(BatchV1Api);
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const first = (map: Map<string, number>, name: string) => {
      if (!map.has(name)) map.set(name, performance.now());
    };
    const pods = new ListWatch<KubernetesObject>(
      `/api/v1/namespaces/${namespace}/pods`,
      watch,
      () => core.listNamespacedPod({ namespace }),
      false,
    );
    const onPod = (pod: KubernetesObject) => {
      const phase = (pod as V1Pod).status?.phase;
      const trial = pod.metadata?.labels?.['lorahpo.io/trial'];
      if (trial && (phase === 'Succeeded' || phase === 'Failed')) first(this.#seen.podEnded, trial);
    };
    pods.on('add', onPod);
    pods.on('update', onPod);
    const trials = new ListWatch<KubernetesObject>(
      `/apis/lorahpo.io/v1alpha1/namespaces/${namespace}/loratrials`,
      watch,
      async () =>
        (await custom.listNamespacedCustomObject({
          group: 'lorahpo.io',
          version: 'v1alpha1',
          namespace,
          plural: 'loratrials',
        })) as never,
      false,
    );
    const onTrial = (trial: KubernetesObject) => {
      const name = trial.metadata?.name ?? '';
      first(this.#seen.trialCreated, name);
      this.#studyOfTrial.set(name, studyOf(trial));
      if (FINISHED.has((trial as { status?: { phase?: string } }).status?.phase ?? ''))
        first(this.#seen.trialFinished, name);
    };
    trials.on('add', onTrial);
    trials.on('update', onTrial);
    const jobs = new ListWatch<KubernetesObject>(
      `/apis/batch/v1/namespaces/${namespace}/jobs`,
      watch,
      () => batch.listNamespacedJob({ namespace }),
      false,
    );
    jobs.on('add', (job) => first(this.#seen.jobCreated, job.metadata?.name ?? ''));
    for (const informer of [pods, trials, jobs]) {
      await informer.start();
      this.#informers.push(informer);
    }
  }

  async stop(): Promise<void> {
    for (const informer of this.#informers) await informer.stop();
  }

  /**
   * For each Job beyond a study's first `parallel`, from the end that let it start. With
   * `scheduling: greedy` trial n starts once n - parallel + 1 trials have ended, so its trigger is
   * that many-th end; otherwise once every trial below n - parallel + 1 has ended (history.ts),
   * so the last of those.
   */
  turnaround(parallel: number, isGreedy: boolean): Turnaround {
    const result: Turnaround = { total: [], finish: [], created: [], ended: [] };
    const byStudy = new Map<string, string[]>();
    for (const [trial, study] of this.#studyOfTrial) byStudy.set(study, [...(byStudy.get(study) ?? []), trial]);
    for (const trials of byStudy.values()) {
      const number = (trial: string) => Number(trial.slice(trial.lastIndexOf('-') + 1));
      const ended = trials
        .filter((t) => this.#seen.podEnded.has(t))
        .sort((a, b) => (this.#seen.podEnded.get(a) as number) - (this.#seen.podEnded.get(b) as number));
      for (const next of trials.filter((t) => number(t) >= parallel && this.#seen.jobCreated.has(t))) {
        const needed = number(next) - parallel + 1;
        const trigger = isGreedy ? ended[needed - 1] : ended.filter((t) => number(t) < needed).at(needed - 1);
        if (trigger === undefined) continue;
        const at = this.#seen.podEnded.get(trigger) as number;
        const jobAt = this.#seen.jobCreated.get(next) as number;
        result.ended.push(trigger);
        result.total.push(jobAt - at);
        result.created.push((this.#seen.trialCreated.get(next) ?? jobAt) - at);
        const finishedAt = this.#seen.trialFinished.get(trigger);
        if (finishedAt !== undefined) result.finish.push(finishedAt - at);
      }
    }
    for (const list of [result.total, result.finish, result.created]) list.sort((a, b) => a - b);
    return result;
  }
}
