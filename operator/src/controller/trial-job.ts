/**
 * Builds a trial's batch/v1 Job from the study's trialTemplate: pure, no I/O. The trainer gets
 * the contract environment (never a shell string); the pod gets no API token and the restricted
 * security profile; the Job is owned by the LoraTrial, so deleting the study cleans up.
 */
import type { V1Container, V1EnvVar, V1Job, V1OwnerReference, V1PodSpec } from '@kubernetes/client-node';
import { API_GROUP_VERSION } from '../api/common.ts';
import type { LoraStudy, TrialTemplate } from '../api/study.ts';
import { trialJobName, type LoraTrial } from '../api/trial.ts';
import { DEFAULT_RESULT_FILE, ENV, trialEnvironment, type ParamValue } from '../../../trainer/src/contract/env.ts';
import { LABELS, MANAGED_BY, TRAINER_CONTAINER } from './labels.ts';
import { nameOf, uidOf } from '../api/object-name.ts';
import { VERSION } from '../version.ts';
import { OUTPUT_VOLUME_NAME, outputBase, outputStorage } from '../api/output-volume.ts';

/** The trainer image of this release: its tag is the package version. */
export const DEFAULT_TRAINER_IMAGE = `lorahpo-trainer:${VERSION}`;
/**
 * The root filesystem is read-only; the trainer writes only below the output base and in /tmp
 * (an emptyDir unless the template mounts its own). A custom trainer that writes elsewhere
 * mounts an emptyDir there.
 */
const TMP_VOLUME_NAME = 'lorahpo-tmp';

function mountsTmp(template: TrialTemplate): boolean {
  return (template.volumeMounts ?? []).some((mount) => String(mount.mountPath).replace(/\/+$/, '') === '/tmp');
}

/** The non-root user trial containers run as unless the image says otherwise. */
const TRIAL_UID = 1000;

export function buildTrialJob(study: LoraStudy, trial: LoraTrial): V1Job {
  const template = study.spec.trialTemplate ?? {};
  // Each attempt of a trial has its own Job; the name is the attempt's idempotency key.
  const name = trialJobName(trial);
  const labels = trialLabels(study, trial, template);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: trial.metadata.namespace, labels, ownerReferences: [ownerReference(trial)] },
    spec: {
      backoffLimit: template.backoffLimit ?? 0,
      ...(template.activeDeadlineSeconds ? { activeDeadlineSeconds: template.activeDeadlineSeconds } : {}),
      ...(template.queueName ? { suspend: true } : {}),
      template: {
        metadata: {
          labels: { ...template.labels, ...labels },
          ...(template.annotations ? { annotations: template.annotations } : {}),
        },
        spec: podSpec(study, trial, template),
      },
    },
  };
}

function trialLabels(study: LoraStudy, trial: LoraTrial, template: TrialTemplate): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.study]: nameOf(study),
    [LABELS.trial]: nameOf(trial),
    [LABELS.trialNumber]: String(trial.spec.number),
    [LABELS.attempt]: String(trial.status?.attempt ?? 1),
    ...(template.queueName ? { [LABELS.kueueQueue]: template.queueName } : {}),
  };
}

function ownerReference(trial: LoraTrial): V1OwnerReference {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'LoraTrial',
    name: nameOf(trial),
    uid: uidOf(trial),
    controller: true,
    blockOwnerDeletion: true,
  };
}

function podSpec(study: LoraStudy, trial: LoraTrial, template: TrialTemplate): V1PodSpec {
  const spec: V1PodSpec = {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: TRIAL_UID,
      runAsGroup: TRIAL_UID,
      fsGroup: TRIAL_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [container(study, trial, template)],
  };
  if (template.serviceAccountName) spec.serviceAccountName = template.serviceAccountName;
  if (template.priorityClassName) spec.priorityClassName = template.priorityClassName;
  if (template.nodeSelector) spec.nodeSelector = template.nodeSelector;
  if (template.tolerations) spec.tolerations = template.tolerations as V1PodSpec['tolerations'];
  if (template.affinity) spec.affinity = template.affinity as V1PodSpec['affinity'];
  const volumes = [...((template.volumes ?? []) as unknown as NonNullable<V1PodSpec['volumes']>)];
  const output = outputVolume(study);
  if (output) volumes.push(output);
  if (!mountsTmp(template)) volumes.push({ name: TMP_VOLUME_NAME, emptyDir: {} });
  if (volumes.length > 0) spec.volumes = volumes;
  return spec;
}

/**
 * The volume the operator mounts at the output base: the study's spec.output.volume, or an
 * emptyDir so the trial user (fsGroup 1000) can write there at all. None where the template
 * mounts a volume of its own over the base.
 */
function outputVolume(study: LoraStudy): NonNullable<V1PodSpec['volumes']>[number] | undefined {
  const storage = outputStorage(study.spec);
  if (storage.kind === 'template') return undefined;
  const source = study.spec.output?.volume ?? { emptyDir: {} };
  return { ...(source as object), name: OUTPUT_VOLUME_NAME };
}

function container(study: LoraStudy, trial: LoraTrial, template: TrialTemplate): V1Container {
  const result: V1Container = {
    name: TRAINER_CONTAINER,
    image: template.image ?? DEFAULT_TRAINER_IMAGE,
    env: trialEnv(study, trial, template),
    terminationMessagePath: DEFAULT_RESULT_FILE,
    terminationMessagePolicy: 'FallbackToLogsOnError',
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
  if (template.command?.length) result.command = template.command;
  if (template.args?.length) result.args = template.args;
  if (template.resources) result.resources = template.resources as V1Container['resources'];
  const mounts = [...((template.volumeMounts ?? []) as unknown as NonNullable<V1Container['volumeMounts']>)];
  if (outputStorage(study.spec).kind !== 'template')
    mounts.push({ name: OUTPUT_VOLUME_NAME, mountPath: outputBase(study.spec) });
  if (!mountsTmp(template)) mounts.push({ name: TMP_VOLUME_NAME, mountPath: '/tmp' });
  if (mounts.length > 0) result.volumeMounts = mounts;
  return result;
}

/**
 * The contract variables first, then the template's own. The template may choose the output
 * base directory (LORAHPO_OUTPUT_DIR; each trial writes below it in a folder of its name) and
 * the result file; it cannot override the other contract variables.
 */
function trialEnv(study: LoraStudy, trial: LoraTrial, template: TrialTemplate): V1EnvVar[] {
  const own = new Map((template.env ?? []).map((entry) => [entry.name, entry]));
  const name = nameOf(trial);
  const contract = trialEnvironment({
    trial: name,
    seed: trial.spec.seed,
    params: trial.spec.params as Record<string, ParamValue>,
    training: trainingSettings(study),
    resultFile: own.get(ENV.resultFile)?.value ?? DEFAULT_RESULT_FILE,
    // Every attempt writes to the same folder, so a trainer that resumes finds its checkpoint.
    outputDir: `${outputBase(study.spec).replace(/\/+$/, '')}/${name}`,
    attempt: trial.status?.attempt ?? 1,
  });
  const env: V1EnvVar[] = Object.entries(contract).map(([key, value]) => ({ name: key, value }));
  for (const entry of template.env ?? []) {
    if (entry.name in contract) continue;
    env.push(
      entry.valueFrom
        ? { name: entry.name, valueFrom: entry.valueFrom as V1EnvVar['valueFrom'] }
        : { name: entry.name, value: entry.value ?? '' },
    );
  }
  return env;
}

/** The study's fixed training settings plus its objective and in-trial early stopping. */
export function trainingSettings(study: LoraStudy): Record<string, unknown> {
  const { metric, direction } = study.spec.objective;
  return {
    ...study.spec.training,
    objective: { metric, direction },
    ...(study.spec.earlyStopping ? { earlyStopping: study.spec.earlyStopping } : {}),
  };
}
