/**
 * The operator's Prometheus metrics, on a registry of its own (so two operators in one process,
 * as in the tests, never share counters).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles: Counter<'controller' | 'result'>;
  readonly reconcileSeconds: Histogram<'controller'>;
  readonly queueDepth: Gauge<'controller'>;
  readonly queueWaitSeconds: Histogram<'controller'>;
  readonly trialsByState: Gauge<'phase'>;
  readonly samplerSeconds: Histogram;
  readonly apiRequests: Counter<'verb' | 'resource'>;
  readonly apiErrors: Counter<'verb' | 'resource' | 'code'>;
  readonly isLeader: Gauge;

  constructor(options: { collectProcessMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.reconciles = new Counter({
      name: 'lorahpo_reconcile_total',
      help: 'Reconciles by controller and result (success, requeue, error, terminal).',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileSeconds = new Histogram({
      name: 'lorahpo_reconcile_duration_seconds',
      help: 'Time one reconcile takes.',
      labelNames: ['controller'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'lorahpo_workqueue_depth',
      help: 'Keys waiting in the work queue for a worker.',
      labelNames: ['controller'],
      registers,
    });
    this.queueWaitSeconds = new Histogram({
      name: 'lorahpo_workqueue_queue_duration_seconds',
      help: 'How long a key waited in the work queue before a worker took it.',
      labelNames: ['controller'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    this.trialsByState = new Gauge({
      name: 'lorahpo_trials',
      help: 'LoraTrials in the watched namespaces by phase.',
      labelNames: ['phase'],
      registers,
    });
    this.samplerSeconds = new Histogram({
      name: 'lorahpo_sampler_duration_seconds',
      help: 'Time the engine (sampler and pruner) takes to plan one study.',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
      registers,
    });
    this.apiRequests = new Counter({
      name: 'lorahpo_api_requests_total',
      help: 'Requests to the Kubernetes API (watches not counted).',
      labelNames: ['verb', 'resource'],
      registers,
    });
    this.apiErrors = new Counter({
      name: 'lorahpo_api_errors_total',
      help: 'Failed requests to the Kubernetes API by status code.',
      labelNames: ['verb', 'resource', 'code'],
      registers,
    });
    this.isLeader = new Gauge({
      name: 'lorahpo_leader',
      help: '1 while this replica holds the leader lease.',
      registers,
    });
    if (options.collectProcessMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Sum of a counter's values (benchmarks read API requests this way). */
  async total(counter: Counter<string>): Promise<number> {
    const { values } = await counter.get();
    return values.reduce((sum, value) => sum + value.value, 0);
  }
}
