/**
 * The writes that start and stop trials. Each is idempotent: the LoraTrial's name
 * `<study>-<number>` is the key, a 409 AlreadyExists means an earlier attempt (or a stale
 * cache) got there first, and the Job is always built from the trial the API server holds, so
 * the same trial number can never run with two sets of params.
 */
import { createHash } from 'node:crypto';
import type { V1OwnerReference } from '@kubernetes/client-node';
import { API_GROUP_VERSION } from '../api/common.ts';
import type { LoraStudy } from '../api/study.ts';
import { trialJobName, trialName, type LoraTrial } from '../api/trial.ts';
import type { Params } from '../api/parameters.ts';
import type { KubeApi } from './kube-api.ts';
import { isAlreadyExists, isNotFound } from './kube-errors.ts';
import { LABELS, MANAGED_BY } from './labels.ts';
import { buildTrialJob } from './trial-job.ts';
import { nameOf, namespaceOf, uidOf } from '../api/object-name.ts';

/** Annotation on each trial: the search space and objective it was sampled for. */
export const SPEC_HASH_ANNOTATION = 'lorahpo.io/search-space-hash';

/** Annotation on each trial: the trial template (and output, training) its Job was built from. */
export const TEMPLATE_HASH_ANNOTATION = 'lorahpo.io/template-hash';

/** A fingerprint of what a trial's Job is built from besides its params: it may change, for new trials. */
export function templateHash(study: LoraStudy): string {
  const { trialTemplate, output, training } = study.spec;
  const text = JSON.stringify({ trialTemplate, output, training });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** A fingerprint of what must not change once trials exist: parameters and objective. */
export function searchSpaceHash(study: LoraStudy): string {
  const { metric, direction } = study.spec.objective;
  const text = JSON.stringify({ parameters: study.spec.parameters, objective: { metric, direction } });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Creates the trial (or finds it) and then its Job; `isNew` says whether this call created it. */
export async function startTrial(
  api: KubeApi,
  study: LoraStudy,
  number: number,
  params: Params,
  seed: number,
  template?: LoraTrial,
): Promise<{ trial: LoraTrial; isNew: boolean; isSuspendIgnored: boolean }> {
  const namespace = namespaceOf(study);
  const name = trialName(nameOf(study), number);
  const body = newTrial(study, name, number, params, seed, template);
  let trial: LoraTrial;
  let isNew = true;
  try {
    trial = await api.createTrial(body);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    trial = await api.getTrial(namespace, name);
    isNew = false;
  }
  const isSuspendIgnored = await ensureJob(api, study, trial);
  return { trial, isNew, isSuspendIgnored };
}

/** The LoraTrial to create: the engine's (when given) with our owner, labels and annotation. */
function newTrial(
  study: LoraStudy,
  name: string,
  number: number,
  params: Params,
  seed: number,
  template?: LoraTrial,
): LoraTrial {
  const owner: V1OwnerReference = {
    apiVersion: API_GROUP_VERSION,
    kind: 'LoraStudy',
    name: nameOf(study),
    uid: uidOf(study),
    controller: true,
    blockOwnerDeletion: true,
  };
  const base = template?.metadata;
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'LoraTrial',
    metadata: {
      name,
      namespace: study.metadata.namespace,
      labels: {
        ...base?.labels,
        [LABELS.managedBy]: MANAGED_BY,
        [LABELS.study]: nameOf(study),
        [LABELS.trialNumber]: String(number),
      },
      annotations: {
        ...base?.annotations,
        [SPEC_HASH_ANNOTATION]: searchSpaceHash(study),
        [TEMPLATE_HASH_ANNOTATION]: templateHash(study),
      },
      ownerReferences: [owner],
    } as LoraTrial['metadata'],
    spec: template
      ? { ...template.spec, study: nameOf(study), number }
      : { study: nameOf(study), number, params, seed },
  };
}

/**
 * Creates the trial's Job unless it exists. True when the Job was sent suspended (queueName) and
 * the API server dropped the field, as servers before Job suspend (1.21) do: it runs at once.
 */
export async function ensureJob(api: KubeApi, study: LoraStudy, trial: LoraTrial): Promise<boolean> {
  const job = buildTrialJob(study, trial);
  try {
    const created = await api.createJob(job);
    return job.spec?.suspend === true && created.spec?.suspend !== true;
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    return false;
  }
}

/** Deletes the Job of the trial's current attempt (background: the pod gets SIGTERM); gone already is fine. */
export async function deleteJob(api: KubeApi, trial: LoraTrial): Promise<void> {
  await deleteJobNamed(api, namespaceOf(trial), trialJobName(trial));
}

export async function deleteJobNamed(
  api: KubeApi,
  namespace: string,
  name: string,
  propagation: 'Background' | 'Foreground' = 'Background',
): Promise<void> {
  try {
    await api.deleteJob(namespace, name, propagation);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
