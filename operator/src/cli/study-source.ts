/**
 * Where `lorahpo report`, `dashboard` and `status --watch` read a study from: a local state
 * directory (the journal `lorahpo run` writes, replayed into LoraTrial objects) or a cluster
 * (the LoraStudy and its LoraTrials; read-only: get and list). Both give the same
 * { study, trials } with the study's status filled in, so the views never know the difference.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LoraStudySchema, type LoraStudy } from '../api/study.ts';
import { LoraTrialSchema, type LoraTrial } from '../api/trial.ts';
import { LABELS } from '../controller/labels.ts';
import { plan } from '../engine/plan.ts';
import { LorahpoError } from '../errors.ts';
import { JOURNAL_FILE, readJournal } from '../runner/journal.ts';
import { replayJournal, trialList } from '../runner/journal-state.ts';
import { readEarlierTrials } from '../runner/earlier-studies.ts';

export interface StudySnapshot {
  study: LoraStudy;
  trials: LoraTrial[];
  /** Shown in the views: the state directory, or `cluster <namespace>/<name>`. */
  source: string;
}

/** Reads the study once; called again for every refresh. */
export type StudyReader = () => Promise<StudySnapshot>;

export interface ClusterTarget {
  kubeconfig?: string;
  namespace?: string;
  name: string;
}

/** The state directory to show: the argument, or the only study under .lorahpo/. */
export function findStateDir(dir: string | undefined, cwd: string, command: string): string {
  if (dir !== undefined) return resolve(cwd, dir);
  const root = resolve(cwd, '.lorahpo');
  const studies = existsSync(root)
    ? readdirSync(root).filter((name) => existsSync(join(root, name, JOURNAL_FILE)))
    : [];
  if (studies.length === 1) return join(root, studies[0]);
  if (studies.length === 0)
    throw new LorahpoError(
      'LORAHPO_IO',
      `no study under ${root}; run \`lorahpo run study.yaml\` first or name a state directory`,
    );
  throw new LorahpoError(
    'LORAHPO_IO',
    `several studies under ${root}: ${studies.join(', ')}; name one: lorahpo ${command} .lorahpo/<study>`,
  );
}

/** The local study with the status the engine gives its trials at `now` (as `lorahpo status`). */
export function readLocalStudy(stateDir: string, now: Date): StudySnapshot {
  const journal = join(stateDir, JOURNAL_FILE);
  if (!existsSync(journal))
    throw new LorahpoError('LORAHPO_IO', `${stateDir} holds no study journal (${JOURNAL_FILE})`);
  const state = replayJournal(readJournal(journal));
  if (state.study === undefined) throw new LorahpoError('LORAHPO_IO', `${stateDir} holds no study journal`);
  const parsed = LoraStudySchema.parse(state.study);
  const trials = trialList(state);
  const previous = state.startTime
    ? { phase: 'Running' as const, conditions: [], startTime: state.startTime }
    : undefined;
  const { status } = plan({ metadata: parsed.metadata, spec: parsed.spec, status: previous }, trials, now, {
    hasTrainerOverride: true,
    isLocal: true,
    earlierTrials: readEarlierTrials(parsed.spec, stateDir, 'skip'),
  });
  return { study: { ...parsed, status }, trials, source: stateDir };
}

const GROUP = 'lorahpo.io';
const VERSION = 'v1alpha1';

/** A reader of one cluster study; loads the Kubernetes client only when asked for. */
export async function clusterStudyReader(target: ClusterTarget): Promise<StudyReader> {
  const { CustomObjectsApi, KubeConfig } = await import('@kubernetes/client-node');
  const kubeConfig = new KubeConfig();
  if (target.kubeconfig) kubeConfig.loadFromFile(target.kubeconfig);
  else kubeConfig.loadFromDefault();
  const namespace =
    target.namespace ?? kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? 'default';
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  return async () => {
    const study = LoraStudySchema.parse(
      await api.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: 'lorastudies',
        name: target.name,
      }),
    );
    const list = await api.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: 'loratrials',
      labelSelector: `${LABELS.study}=${target.name}`,
    });
    const trials = (list.items as unknown[])
      .map((item) => LoraTrialSchema.parse(item))
      .filter((trial) => trial.spec.study === target.name)
      .sort((a, b) => a.spec.number - b.spec.number);
    return { study, trials, source: `cluster ${namespace}/${target.name}` };
  };
}
