import type { CoreV1Api, V1Node, V1NodeSpec, V1ObjectMeta, V1Taint } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

export const defaultCapacity: Record<string, string> = {
  cpu: '64',
  memory: '256Gi',
  pods: '110',
  'nvidia.com/gpu': '8',
  'ephemeral-storage': '1Ti',
};

/** A Node as API JSON: status times are strings, the kubelet port is `Port`. */
export interface NodeJson {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: V1ObjectMeta;
  spec: V1NodeSpec;
  status: Record<string, unknown>;
}

export interface NodeShape {
  name: string;
  kubeletPort: number;
  capacity: Record<string, string>;
  labels: Record<string, string>;
  taints: V1Taint[];
}

/**
 * The Node a kubelet registers: InternalIP 127.0.0.1 and the kubelet port, where the API server
 * fetches logs. Plain API JSON (note `Port`), sent as it is.
 */
export function nodeObject(shape: NodeShape): NodeJson {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string, status: string, reason: string) => ({
    type,
    status,
    reason,
    message: `simulated node: ${reason}`,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: shape.name,
      labels: {
        'kubernetes.io/hostname': shape.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...shape.labels,
      },
    },
    spec: { taints: shape.taints },
    status: {
      capacity: shape.capacity,
      allocatable: shape.capacity,
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: shape.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: shape.kubeletPort } },
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID'),
        condition('Ready', 'True', 'KubeletReady'),
      ],
      nodeInfo: {
        machineID: shape.name,
        systemUUID: shape.name,
        bootID: `${Date.now()}`,
        kernelVersion: 'sim',
        osImage: 'lorahpo simulated node',
        containerRuntimeVersion: 'sim://1',
        kubeletVersion: 'v1.20.2',
        kubeProxyVersion: 'v1.20.2',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/** Creates the Node, or takes over an existing one of the same name (labels, taints, status). */
export async function registerNode(api: CoreV1Api, node: NodeJson): Promise<V1Node> {
  const name = node.metadata?.name ?? '';
  try {
    await api.createNode({ body: { apiVersion: 'v1', kind: 'Node', metadata: node.metadata, spec: node.spec } });
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
  // The TaintNodesByCondition admission plugin adds node.kubernetes.io/not-ready on create; the
  // node-lifecycle controller (not run here) would lift it once the node is Ready. Set ours.
  await api.patchNode(
    { name, body: { metadata: { labels: node.metadata?.labels }, spec: { taints: node.spec?.taints ?? [] } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  // Status is not taken from a create everywhere; write it through the status subresource.
  return api.patchNodeStatus(
    { name, body: { status: node.status } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}
