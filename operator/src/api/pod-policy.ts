/**
 * What a LoraStudy may put in the pods the operator creates for it. Whoever may create a
 * LoraStudy gets pods made with the operator's rights, so by default a study may not reach past
 * its own sandbox: no node filesystem (hostPath), no API token (projected serviceAccountToken,
 * a serviceAccountName nobody allowed), no Secret it could print to its own logs (secretKeyRef,
 * secret volumes), no toleration of every taint. Host namespaces, privileged containers and
 * added capabilities cannot be written at all: the template has no field for them and the
 * operator sets the restricted profile. A platform team widens this with operator flags (chart
 * values `trialPodPolicy.*`). Pure.
 */
import type { Issue } from '../errors.ts';
import type { StudySpec } from './study.ts';

export interface PodPolicy {
  /** hostPath volumes (in trialTemplate.volumes or spec.output.volume). */
  allowHostPath: boolean;
  /** Service accounts a trial may run as (trialTemplate.serviceAccountName); tokens are projected only for these. */
  allowedServiceAccounts: string[];
  /** Secrets a trial may read (secretKeyRef env, secret volumes, projected secrets); `*` allows every one. */
  allowedSecrets: string[];
  /** Tolerations with operator Exists and no key, which tolerate every taint. */
  allowWildcardTolerations: boolean;
}

export function defaultPodPolicy(): PodPolicy {
  return { allowHostPath: false, allowedServiceAccounts: [], allowedSecrets: [], allowWildcardTolerations: false };
}

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const FLAG_HINT = 'the operator refuses it unless its pod policy allows it (docs/rbac.md)';

function secretAllowed(policy: PodPolicy, name: unknown): boolean {
  return policy.allowedSecrets.includes('*') || (typeof name === 'string' && policy.allowedSecrets.includes(name));
}

function checkVolume(volume: Obj, path: string, policy: PodPolicy, account: string | undefined): Issue[] {
  const issues: Issue[] = [];
  if ('hostPath' in volume && !policy.allowHostPath)
    issues.push({
      code: 'forbidden',
      path: `${path}.hostPath`,
      message: `hostPath volumes mount the node's files: ${FLAG_HINT} (--allow-host-path)`,
    });
  if (isObj(volume.secret) && !secretAllowed(policy, volume.secret.secretName))
    issues.push({
      code: 'forbidden',
      path: `${path}.secret`,
      message: `secret "${String(volume.secret.secretName)}" is not allowed: ${FLAG_HINT} (--allow-secret)`,
    });
  const sources = isObj(volume.projected) && Array.isArray(volume.projected.sources) ? volume.projected.sources : [];
  sources.forEach((source, index) => {
    if (!isObj(source)) return;
    const at = `${path}.projected.sources[${index}]`;
    if ('serviceAccountToken' in source && (account === undefined || !policy.allowedServiceAccounts.includes(account)))
      issues.push({
        code: 'forbidden',
        path: `${at}.serviceAccountToken`,
        message: `an API token needs an allowed serviceAccountName: ${FLAG_HINT} (--allow-service-account)`,
      });
    if (isObj(source.secret) && !secretAllowed(policy, source.secret.name))
      issues.push({
        code: 'forbidden',
        path: `${at}.secret`,
        message: `secret "${String(source.secret.name)}" is not allowed: ${FLAG_HINT} (--allow-secret)`,
      });
  });
  return issues;
}

export function checkPodPolicy(spec: StudySpec, policy: PodPolicy): Issue[] {
  const template = spec.trialTemplate ?? {};
  const account = template.serviceAccountName;
  const issues: Issue[] = [];
  if (account !== undefined && !policy.allowedServiceAccounts.includes(account))
    issues.push({
      code: 'forbidden',
      path: 'spec.trialTemplate.serviceAccountName',
      message: `service account "${account}" is not allowed: ${FLAG_HINT} (--allow-service-account)`,
    });
  (template.volumes ?? []).forEach((volume, index) => {
    if (isObj(volume)) issues.push(...checkVolume(volume, `spec.trialTemplate.volumes[${index}]`, policy, account));
  });
  if (spec.output?.volume) issues.push(...checkVolume(spec.output.volume, 'spec.output.volume', policy, account));
  (template.env ?? []).forEach((entry, index) => {
    const ref = isObj(entry.valueFrom) ? entry.valueFrom.secretKeyRef : undefined;
    if (isObj(ref) && !secretAllowed(policy, ref.name))
      issues.push({
        code: 'forbidden',
        path: `spec.trialTemplate.env[${index}].valueFrom.secretKeyRef`,
        message: `secret "${String(ref.name)}" is not allowed: ${FLAG_HINT} (--allow-secret)`,
      });
  });
  if (!policy.allowWildcardTolerations)
    (template.tolerations ?? []).forEach((toleration, index) => {
      if (isObj(toleration) && toleration.operator === 'Exists' && !toleration.key)
        issues.push({
          code: 'forbidden',
          path: `spec.trialTemplate.tolerations[${index}]`,
          message: `operator Exists without a key tolerates every taint: ${FLAG_HINT} (--allow-wildcard-tolerations)`,
        });
    });
  return issues;
}
