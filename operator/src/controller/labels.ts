/** Labels the operator puts on what it creates; the Job and Pod sources select on them. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  study: 'lorahpo.io/study',
  trial: 'lorahpo.io/trial',
  trialNumber: 'lorahpo.io/trial-number',
  attempt: 'lorahpo.io/attempt',
  kueueQueue: 'kueue.x-k8s.io/queue-name',
} as const;

export const MANAGED_BY = 'lorahpo-operator';

/** Selects the Jobs and Pods of trials: `lorahpo.io/trial` is set on both. */
export const TRIAL_SELECTOR = LABELS.trial;

/** The container that runs the trainer in every trial pod. */
export const TRAINER_CONTAINER = 'trainer';

/** The Job a pod belongs to: the job controller's `job-name` label (kept in the trimmed cache), or its owner. */
export function podJobName(pod: {
  metadata?: { labels?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
}): string | undefined {
  return pod.metadata?.labels?.['job-name'] ?? pod.metadata?.ownerReferences?.find((ref) => ref.kind === 'Job')?.name;
}
