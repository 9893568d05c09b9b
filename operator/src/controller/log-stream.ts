/**
 * Opens `pods/log?follow=true` as a Node stream through the kubeconfig's credentials and the
 * operator's one connection pool (kube-connections.ts). Going through the same undici dispatcher
 * as every other API call matters at scale: a thousand followed trials share a few HTTP/2
 * connections (the API server multiplexes streams) instead of a TLS handshake and a socket each.
 * (client-node's Log pipes into a Writable and swallows a dropped connection; the follower needs
 * to see the error to resume.)
 */
import type { Readable } from 'node:stream';
import { HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { request, type Dispatcher } from 'undici';

export type OpenLogStream = (
  namespace: string,
  pod: string,
  container: string,
  signal: AbortSignal,
) => Promise<Readable>;

export function kubeLogStream(kubeConfig: KubeConfig): OpenLogStream {
  return async (namespace, pod, container, signal) => {
    const server = kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error('kubeconfig has no current cluster');
    const url = new URL(
      `${server}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
    );
    url.searchParams.set('container', container);
    url.searchParams.set('follow', 'true');
    const context = new RequestContext(url.toString(), HttpMethod.GET);
    await kubeConfig.applySecurityAuthentication(context);
    const dispatcher = context.getDispatcher() as Dispatcher | undefined;
    const response = await request(url, {
      method: 'GET',
      headers: context.getHeaders(),
      signal,
      ...(dispatcher ? { dispatcher } : {}),
    });
    if (response.statusCode === 200) return response.body;
    const text = (await response.body.text()).slice(0, 300);
    throw Object.assign(new Error(`pods/log ${namespace}/${pod}: HTTP ${response.statusCode} ${text}`), {
      code: response.statusCode,
    });
  };
}
