import type { CoreV1Api, V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';

/** Expands `$(NAME)` from `env` as the kubelet does; `$$` escapes, unknown names stay as written. */
export function expandReferences(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (whole === '$$') return '$';
    return name !== undefined && name in env ? env[name] : whole;
  });
}

function fieldValue(pod: V1Pod, fieldPath: string): string {
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (labelOrAnnotation) {
    const map = labelOrAnnotation[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[labelOrAnnotation[2]] ?? '';
  }
  const fields: Record<string, string | undefined> = {
    'metadata.name': pod.metadata?.name,
    'metadata.namespace': pod.metadata?.namespace,
    'metadata.uid': pod.metadata?.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.hostIP': pod.status?.hostIP,
    'status.podIP': pod.status?.podIP,
  };
  if (!(fieldPath in fields)) throw new Error(`fieldRef ${fieldPath} is not supported by the simulated node`);
  return fields[fieldPath] ?? '';
}

async function keyRefValue(api: CoreV1Api, namespace: string, envVar: V1EnvVar): Promise<string | undefined> {
  const from = envVar.valueFrom;
  const ref = from?.configMapKeyRef ?? from?.secretKeyRef;
  if (!ref) return undefined;
  try {
    if (from?.configMapKeyRef) {
      const map = await api.readNamespacedConfigMap({ name: ref.name ?? '', namespace });
      return map.data?.[ref.key];
    }
    const secret = await api.readNamespacedSecret({ name: ref.name ?? '', namespace });
    const data = secret.data?.[ref.key];
    return data === undefined ? undefined : Buffer.from(data, 'base64').toString();
  } catch (error) {
    if (ref.optional) return undefined;
    throw new Error(`env ${envVar.name}: cannot read ${ref.name}/${ref.key}: ${(error as Error).message}`);
  }
}

async function envFromSources(
  api: CoreV1Api,
  namespace: string,
  container: V1Container,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.configMapRef) {
      const map = await api.readNamespacedConfigMap({ name: source.configMapRef.name ?? '', namespace });
      for (const [key, value] of Object.entries(map.data ?? {})) env[prefix + key] = value;
    }
    if (source.secretRef) {
      const secret = await api.readNamespacedSecret({ name: source.secretRef.name ?? '', namespace });
      for (const [key, value] of Object.entries(secret.data ?? {}))
        env[prefix + key] = Buffer.from(value, 'base64').toString();
    }
  }
  return env;
}

/** The container's environment as the kubelet builds it: envFrom, then env in order with `$(VAR)` expansion. */
export async function containerEnvironment(
  api: CoreV1Api,
  pod: V1Pod,
  container: V1Container,
): Promise<Record<string, string>> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const env = await envFromSources(api, namespace, container);
  for (const envVar of container.env ?? []) {
    if (envVar.value !== undefined) env[envVar.name] = expandReferences(envVar.value, env);
    else if (envVar.valueFrom?.fieldRef) env[envVar.name] = fieldValue(pod, envVar.valueFrom.fieldRef.fieldPath);
    else if (envVar.valueFrom?.resourceFieldRef)
      env[envVar.name] = resourceValue(container, envVar.valueFrom.resourceFieldRef.resource);
    else {
      const value = await keyRefValue(api, namespace, envVar);
      if (value !== undefined) env[envVar.name] = value;
      else if (!envVar.valueFrom) env[envVar.name] = '';
    }
  }
  return env;
}

function resourceValue(container: V1Container, resource: string): string {
  const [kind, name] = resource.split('.', 2) as ['limits' | 'requests', string];
  const value = container.resources?.[kind]?.[name];
  return value === undefined ? '' : String(value);
}
