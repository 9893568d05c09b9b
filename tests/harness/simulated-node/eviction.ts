/**
 * The words of the 1.20 kubelet's eviction manager (pkg/kubelet/eviction/helpers.go):
 * `nodeLowMessageFmt` with the starved resource, trailing space included. The real message goes
 * on with each container that used more than its request; this node measures no usage, so it
 * says what the kubelet says of a pod within its requests.
 */
export function evictionMessage(resource: string): string {
  return `The node was low on resource: ${resource}. `;
}
