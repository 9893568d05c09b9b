/**
 * Opens `pods/log?follow=true` as a Node stream through the kubeconfig's TLS and credentials.
 * (client-node's Log pipes into a Writable and swallows a dropped connection; the follower needs
 * to see the error to resume.)
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';

export type OpenLogStream = (namespace: string, pod: string, container: string, signal: AbortSignal) => Promise<Readable>;

export function kubeLogStream(kubeConfig: KubeConfig): OpenLogStream {
  return async (namespace, pod, container, signal) => {
    const server = kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error('kubeconfig has no current cluster');
    const url = new URL(`${server}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`);
    url.searchParams.set('container', container);
    url.searchParams.set('follow', 'true');
    const options: https.RequestOptions = { method: 'GET', headers: {}, signal };
    await kubeConfig.applyToHTTPSOptions(options);
    const isTls = url.protocol === 'https:';
    if (!isTls) delete options.agent;
    return new Promise<Readable>((resolve, reject) => {
      const request = (isTls ? https : http).request(url, options, (response) => {
        if (response.statusCode === 200) return resolve(response);
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => reject(Object.assign(new Error(`pods/log ${namespace}/${pod}: HTTP ${response.statusCode} ${Buffer.concat(chunks).toString().slice(0, 300)}`), { code: response.statusCode })));
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end();
    });
  };
}
