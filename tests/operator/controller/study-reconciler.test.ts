/**
 * The StudyReconciler against an in-memory API and cache. The planner here is scripted (the
 * engine has its own tests): these tests pin what the reconciler does with a plan.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { StudyReconciler } from '../../../operator/src/controller/study-reconciler.ts';
import { plan, type Plan, type Planner } from '../../../operator/src/engine/plan.ts';
import type { PlanAction, PruneAction } from '../../../operator/src/engine/actions.ts';
import { prunedStatus } from '../../../operator/src/engine/trial-endings.ts';
import type { Params } from '../../../operator/src/api/parameters.ts';
import { TerminalError } from '../../../operator/src/controller/runtime/terminal-error.ts';
import { silentLogger } from '../../../operator/src/controller/logger.ts';
import { TrialLog } from '../../../operator/src/controller/trial-log.ts';
import type { LoraStudy } from '../../../operator/src/api/study.ts';
import type { LoraTrial } from '../../../operator/src/api/trial.ts';
import { FakeApi } from './fake-api.ts';
import { studyFixture } from './fixtures.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const signal = new AbortController().signal;

/** A prune as a test scripts it: the planner adds the status by the engine's rule, as the engine does. */
type ScriptedPrune = Pick<PruneAction, 'type' | 'name' | 'step' | 'value'>;
type Scripted = PlanAction | ScriptedPrune;

function withStatus(action: Scripted, trials: readonly LoraTrial[]): PlanAction {
  if (action.type !== 'prune' || 'status' in action) return action;
  const trial = trials.find((candidate) => candidate.metadata.name === action.name);
  const decision = { step: action.step, value: action.value, message: `pruned at step ${action.step}` };
  return {
    ...decision,
    type: 'prune',
    name: action.name,
    number: trial?.spec.number ?? 0,
    status: prunedStatus(trial?.status, decision, new Date(NOW).toISOString()),
  };
}

function scripted(
  actions: (trials: readonly { metadata: { name?: string } }[]) => Scripted[],
  phase: 'Running' | 'Succeeded' = 'Running',
): Planner {
  return (_study, trials): Plan => ({
    actions: actions(trials).map((action) => withStatus(action, trials)),
    status: {
      phase,
      conditions: [],
      trialCounts: { pending: 0, running: trials.length, succeeded: 0, pruned: 0, earlyStopped: 0, failed: 0 },
      ...(phase === 'Succeeded' ? { completionReason: 'MaxTrials' as const } : {}),
    },
  });
}

function setup(planner: Planner, study: LoraStudy = studyFixture()) {
  const api = new FakeApi();
  api.putStudy(study);
  api.sync();
  const reconciler = new StudyReconciler({ view: api.view, api, planner, logger: silentLogger(), now: () => NOW });
  return { api, reconciler, key: `${study.metadata.namespace}/${study.metadata.name}` };
}

/** The engine's start action for trial `number` of study qa. */
function start(number: number, params: Params, seed: number): PlanAction {
  const name = `qa-${number}`;
  const trial: LoraTrial = {
    apiVersion: 'lorahpo.io/v1alpha1',
    kind: 'LoraTrial',
    metadata: { name },
    spec: { study: 'qa', number, params, seed },
  };
  return { type: 'start', name, number, params, seed, historyCutoff: 0, trial };
}

const startTwo: PlanAction[] = [
  start(0, { learningRate: 1e-4, loraR: 8 }, 7),
  start(1, { learningRate: 3e-4, loraR: 16 }, 8),
];

test('study reconciler › starts trials: LoraTrial owned by the study, then its Job, an Event each', async () => {
  const { api, reconciler, key } = setup(scripted(() => startTwo));
  await reconciler.reconcile(key, signal);
  assert.deepEqual([...api.trials.keys()], ['team-a/qa-0', 'team-a/qa-1']);
  assert.deepEqual([...api.jobs.keys()], ['team-a/qa-0', 'team-a/qa-1']);
  const trial = api.trials.get('team-a/qa-1');
  assert.deepEqual(trial?.spec, { study: 'qa', number: 1, params: { learningRate: 3e-4, loraR: 16 }, seed: 8 });
  assert.equal(
    (trial?.metadata as { ownerReferences?: { kind: string; uid: string }[] } | undefined)?.ownerReferences?.[0]?.kind,
    'LoraStudy',
  );
  assert.equal(api.jobs.get('team-a/qa-1')?.metadata?.ownerReferences?.[0]?.uid, trial?.metadata.uid);
  assert.deepEqual(
    api.events.map((e) => `${e.involvedObject.kind}/${e.involvedObject.name} ${e.reason}`),
    [
      'LoraStudy/qa TrialStarted',
      'LoraTrial/qa-0 TrialStarted',
      'LoraStudy/qa TrialStarted',
      'LoraTrial/qa-1 TrialStarted',
    ],
  );
  assert.equal(api.events[1]?.involvedObject.uid, api.trials.get('team-a/qa-0')?.metadata.uid);
  const status = api.studies.get(key)?.status;
  assert.equal(status?.phase, 'Running');
  assert.equal(status?.conditions.find((c) => c.type === 'Valid')?.status, 'True');
  assert.equal(status?.observedGeneration, 1);
});

test('study reconciler › a stale cache never starts a trial number twice', async () => {
  const { api, reconciler, key } = setup(scripted(() => startTwo));
  await reconciler.reconcile(key, signal);
  const before = { trials: api.trials.size, jobs: api.jobs.size, events: api.events.length };
  await reconciler.reconcile(key, signal);
  assert.deepEqual({ trials: api.trials.size, jobs: api.jobs.size, events: api.events.length }, before);
  assert.ok(api.requests.includes('create loratrials qa-0'), 'the second reconcile tried and got 409');
});

test('study reconciler › after a 409 the Job is built from the trial the API server holds', async () => {
  let params = { learningRate: 1e-4, loraR: 8 };
  const { api, reconciler, key } = setup(scripted(() => [start(0, params, 1)]));
  await reconciler.reconcile(key, signal);
  api.jobs.clear();
  params = { learningRate: 9e-4, loraR: 16 };
  await reconciler.reconcile(key, signal);
  const env = api.jobs.get('team-a/qa-0')?.spec?.template.spec?.containers[0]?.env ?? [];
  assert.equal(env.find((e) => e.name === 'LORAHPO_PARAMS')?.value, JSON.stringify({ learningRate: 1e-4, loraR: 8 }));
});

test('study reconciler › an invalid spec gets Valid=False with the field path, one Warning, no trials, a terminal error', async () => {
  const bad = studyFixture();
  (bad.spec.parameters[0] as { min: number }).min = 1e-2;
  const { api, reconciler, key } = setup(
    scripted(() => startTwo),
    bad,
  );
  await assert.rejects(reconciler.reconcile(key, signal), TerminalError);
  const valid = api.studies.get(key)?.status?.conditions.find((c) => c.type === 'Valid');
  assert.equal(valid?.status, 'False');
  assert.match(valid?.message ?? '', /spec\.parameters\[learningRate\]/);
  assert.equal(api.trials.size, 0);
  assert.deepEqual(
    api.events.map((e) => [e.type, e.reason]),
    [['Warning', 'SpecInvalid']],
  );
  api.sync();
  await assert.rejects(reconciler.reconcile(key, signal), TerminalError);
  assert.equal(api.events.length, 1, 'the same problem is reported once');
});

test('study reconciler › pruning marks the trial Pruned with its step, then deletes its Job', async () => {
  let actions: Scripted[] = startTwo;
  const { api, reconciler, key } = setup(scripted(() => actions));
  await reconciler.reconcile(key, signal);
  api.sync();
  actions = [{ type: 'prune', name: 'qa-1', step: 200, value: 2.5 }];
  await reconciler.reconcile(key, signal);
  const status = api.trials.get('team-a/qa-1')?.status;
  assert.equal(status?.phase, 'Pruned');
  assert.equal(status?.prunedAtStep, 200);
  assert.equal(status?.value, 2.5);
  assert.equal(api.jobs.has('team-a/qa-1'), false);
  assert.equal(api.jobs.has('team-a/qa-0'), true);
  assert.equal(api.events.at(-1)?.reason, 'TrialPruned');
});

function terminatedPod(trial: string, exitCode: number, reason: string, message: string): V1Pod {
  return {
    metadata: {
      name: `${trial}-abcde`,
      namespace: 'team-a',
      labels: { 'lorahpo.io/trial': trial, 'lorahpo.io/study': 'qa' },
      creationTimestamp: new Date(NOW - 60_000),
    },
    status: {
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      startTime: new Date(NOW - 50_000),
      containerStatuses: [
        {
          name: 'trainer',
          image: 'x',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode, reason, message, finishedAt: new Date(NOW - 120_000) } },
        },
      ],
    },
  };
}

function runningPod(trial: string): V1Pod {
  return {
    metadata: {
      name: `${trial}-abcde`,
      namespace: 'team-a',
      labels: { 'lorahpo.io/trial': trial, 'lorahpo.io/study': 'qa' },
      creationTimestamp: new Date(NOW - 60_000),
    },
    status: {
      phase: 'Running',
      startTime: new Date(NOW - 50_000),
      containerStatuses: [
        {
          name: 'trainer',
          image: 'x',
          imageID: '',
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: new Date(NOW - 50_000) } },
        },
      ],
    },
  };
}

/** Trial qa-0 started and its pod running; `plan` sets what the planner says from then on (nothing). */
async function oneTrialRunning() {
  let actions: Scripted[] = startTwo.slice(0, 1);
  const world = setup(scripted(() => actions));
  await world.reconciler.reconcile(world.key, signal);
  actions = [];
  world.api.putPod(runningPod('qa-0'));
  world.api.sync();
  return { ...world, plan: (next: Scripted[]) => (actions = next) };
}

test('study reconciler › a pod that ends during a conflicting status write is not finished past the pruner', async () => {
  const { api, reconciler, key, plan } = await oneTrialRunning();
  api.beforeTrialConflict = () => {
    api.putPod(terminatedPod('qa-0', 0, 'Completed', JSON.stringify({ type: 'result', value: 1.25 })));
    api.sync();
  };
  await reconciler.reconcile(key, signal);
  assert.equal(api.trials.get('team-a/qa-0')?.status?.phase, 'Running', 'the retried write kept the trial running');
  plan([{ type: 'prune', name: 'qa-0', step: 2, value: 3 }]);
  api.sync();
  await reconciler.reconcile(key, signal);
  assert.equal(api.trials.get('team-a/qa-0')?.status?.phase, 'Pruned', 'the pruner judged the ended trial first');
});

test('study reconciler › takes the final value from the termination message; OOMKilled fails the trial with the reason', async () => {
  let actions: Scripted[] = startTwo;
  const { api, reconciler, key } = setup(scripted(() => actions));
  await reconciler.reconcile(key, signal);
  actions = [];
  api.putPod(
    terminatedPod(
      'qa-0',
      0,
      'Completed',
      JSON.stringify({
        type: 'result',
        value: 1.25,
        earlyStopped: true,
        stoppedEpoch: 2,
        bestEpoch: 1,
        adapterPath: '/output/qa-0',
      }),
    ),
  );
  api.putPod(terminatedPod('qa-1', 137, 'OOMKilled', ''));
  api.sync();
  await reconciler.reconcile(key, signal);
  const done = api.trials.get('team-a/qa-0')?.status;
  assert.equal(done?.phase, 'EarlyStopped');
  assert.equal(done?.value, 1.25);
  assert.equal(done?.stoppedAtEpoch, 2);
  assert.equal(done?.adapterPath, '/output/qa-0');
  const failed = api.trials.get('team-a/qa-1')?.status;
  assert.equal(failed?.phase, 'Failed');
  assert.equal(failed?.reason, 'OOMKilled');
  assert.match(failed?.message ?? '', /exited with code 137/);
  assert.deepEqual(
    api.events
      .filter((e) => e.involvedObject.kind === 'LoraTrial' && e.reason !== 'TrialStarted')
      .map((e) => `${e.involvedObject.name} ${e.reason}`)
      .sort(),
    ['qa-0 TrialEarlyStopped', 'qa-1 TrialFailed'],
  );
});

test('study reconciler › a changed search space is refused in the status; nothing starts, nothing is deleted', async () => {
  let actions: Scripted[] = startTwo.slice(0, 1);
  const study = studyFixture();
  const { api, reconciler, key } = setup(
    scripted(() => actions),
    study,
  );
  await reconciler.reconcile(key, signal);
  const changed = structuredClone(api.studies.get(key) as LoraStudy);
  changed.spec.parameters = [{ name: 'loraR', type: 'categorical', values: [4, 8] }];
  changed.metadata.generation = 2; // as the API server does on every spec change
  api.studies.set(key, changed);
  api.sync();
  actions = [start(1, { loraR: 4 }, 2)];
  await reconciler.reconcile(key, signal);
  assert.equal(api.trials.size, 1);
  const accepted = api.studies.get(key)?.status?.conditions.find((c) => c.type === 'SpecAccepted');
  assert.equal(accepted?.status, 'False');
  assert.match(accepted?.message ?? '', /re-create the study/);
  assert.equal(api.events.at(-1)?.reason, 'SpecChangeRefused');
});

test('study reconciler › after a refused change the counts are the trials there are (real engine)', async () => {
  const { api, reconciler, key } = setup(plan);
  await reconciler.reconcile(key, signal);
  assert.equal(api.trials.size, 2, 'two trials in parallel');
  const changed = structuredClone(api.studies.get(key) as LoraStudy);
  changed.spec.parameters = [{ name: 'loraR', type: 'categorical', values: [4, 8] }];
  changed.metadata.generation = 2;
  api.studies.set(key, changed);
  for (const [name, trial] of api.trials)
    api.trials.set(name, {
      ...trial,
      status: { phase: 'Succeeded', value: 1, intermediateValues: [], completionTime: new Date(NOW).toISOString() },
    });
  api.sync();
  await reconciler.reconcile(key, signal);
  assert.equal(api.trials.size, 2, 'nothing started');
  const status = api.studies.get(key)?.status;
  assert.deepEqual(status?.trialCounts, {
    pending: 0,
    running: 0,
    succeeded: 2,
    pruned: 0,
    earlyStopped: 0,
    failed: 0,
  });
  assert.equal(status?.conditions.find((c) => c.type === 'Running')?.message, '0 trials running, 0 pending');
});

test('study reconciler › a status conflict is re-read and retried; an unchanged study writes nothing', async () => {
  const { api, reconciler, key } = setup(scripted(() => []));
  api.studyConflicts = 2;
  await reconciler.reconcile(key, signal);
  assert.equal(api.studies.get(key)?.status?.phase, 'Running');
  api.sync();
  const writes = api.requests.filter((r) => r.startsWith('update')).length;
  await reconciler.reconcile(key, signal);
  assert.equal(api.requests.filter((r) => r.startsWith('update')).length, writes);
});

test('study reconciler › a trial that ended by itself keeps its Job for its logs; a stopped one whose delete was lost loses it', async () => {
  let actions: Scripted[] = startTwo;
  const { api, reconciler, key } = setup(scripted(() => actions));
  await reconciler.reconcile(key, signal);
  actions = [];
  api.putPod(terminatedPod('qa-0', 0, 'Completed', JSON.stringify({ type: 'result', value: 1.25 })));
  api.sync();
  await reconciler.reconcile(key, signal);
  assert.equal(api.trials.get('team-a/qa-0')?.status?.phase, 'Succeeded');
  const stopped = api.trials.get('team-a/qa-1') as LoraTrial;
  api.trials.set('team-a/qa-1', {
    ...stopped,
    status: { phase: 'Pruned', reason: 'StudyFinished', intermediateValues: [] },
  });
  api.sync();
  await reconciler.reconcile(key, signal);
  assert.equal(api.jobs.has('team-a/qa-0'), true, 'the Job controller has not marked it complete yet, and need not');
  assert.equal(api.jobs.has('team-a/qa-1'), false, "the stopped trial's Job is deleted");
});

test('study reconciler › a running trial whose pod and log did not change writes nothing', async () => {
  const { api, reconciler, key } = await oneTrialRunning();
  await reconciler.reconcile(key, signal);
  assert.equal(api.trials.get('team-a/qa-0')?.status?.phase, 'Running');
  api.sync();
  const writes = api.requests.filter((r) => r.startsWith('update')).length;
  await reconciler.reconcile(key, signal);
  assert.deepEqual(api.requests.filter((r) => r.startsWith('update')).slice(writes), []);
});

test("study reconciler › knows its own status writes from other writers' changes", async () => {
  const { api, reconciler, key } = await oneTrialRunning();
  await reconciler.reconcile(key, signal);
  const trial = api.trials.get('team-a/qa-0') as LoraTrial;
  assert.equal(reconciler.isOwnWrite(api.studies.get(key) as LoraStudy), true, 'the study status it wrote');
  assert.equal(reconciler.isOwnWrite(trial), true, 'the trial status it wrote');
  api.trials.set('team-a/qa-0', {
    ...trial,
    metadata: { ...trial.metadata, resourceVersion: '999' },
    status: { ...trial.status, phase: 'Running', intermediateValues: [], message: 'someone else' },
  });
  assert.equal(
    reconciler.isOwnWrite(api.trials.get('team-a/qa-0') as LoraTrial),
    false,
    'a later write by someone else',
  );
});

test('study reconciler › knows its own write while it is in flight (the watch event may beat the response)', async () => {
  let actions: Scripted[] = startTwo.slice(0, 1);
  const { api, reconciler, key } = setup(scripted(() => actions));
  await reconciler.reconcile(key, signal);
  actions = [];
  const seen: boolean[] = [];
  api.duringTrialWrite = (written) => {
    seen.push(reconciler.isOwnWrite(written));
    seen.push(
      reconciler.isOwnWrite({
        ...written,
        status: { ...written.status, phase: 'Running', intermediateValues: [], message: 'someone else' },
      }),
    );
  };
  api.putPod(runningPod('qa-0'));
  api.sync();
  await reconciler.reconcile(key, signal);
  assert.deepEqual(seen, [true, false]);
});

test('study reconciler › a finished study stops its running trials and records StudyFinished once', async () => {
  let phase: 'Running' | 'Succeeded' = 'Running';
  let actions: Scripted[] = startTwo;
  const planner: Planner = (study, trials) => scripted(() => actions, phase)(study, trials, new Date(NOW));
  const { api, reconciler, key } = setup(planner);
  await reconciler.reconcile(key, signal);
  api.sync();
  actions = [];
  phase = 'Succeeded';
  await reconciler.reconcile(key, signal);
  assert.equal(api.jobs.size, 0);
  assert.deepEqual(
    [...api.trials.values()].map((t) => t.status?.reason),
    ['StudyFinished', 'StudyFinished'],
  );
  api.sync();
  await reconciler.reconcile(key, signal);
  assert.equal(api.events.filter((e) => e.reason === 'StudyFinished').length, 1);
});

test("study reconciler › the wait for a finished pod's log counts from its first sight, across restarts", async () => {
  const { api, key } = await oneTrialRunning();
  const unfinishedLog = { follow() {}, report: () => ({ log: new TrialLog(), isComplete: false }), forget() {} };
  let nowMs = NOW;
  const options = { view: api.view, api, planner: scripted(() => []), logger: silentLogger(), logs: unfinishedLog };
  const restarted = () => new StudyReconciler({ ...options, now: () => nowMs });
  api.putPod(terminatedPod('qa-0', 0, 'Completed', ''));
  api.sync();
  await restarted().reconcile(key, signal);
  const seen = api.trials.get('team-a/qa-0')?.status;
  assert.equal(seen?.phase, 'Running', 'waiting for the rest of the log');
  assert.deepEqual(seen?.finishSeen, { pod: 'qa-0-abcde', time: new Date(NOW).toISOString() });
  api.sync();
  nowMs = NOW + 30_000;
  await restarted().reconcile(key, signal);
  assert.equal(api.trials.get('team-a/qa-0')?.status?.phase, 'Running', 'still within the grace');
  api.sync();
  nowMs = NOW + 61_000;
  await restarted().reconcile(key, signal);
  const reason = api.trials.get('team-a/qa-0')?.status?.reason;
  assert.equal(reason, 'NoResult', 'the grace counted from the first sight, not the restart');
});

test('study reconciler › a trial pruned after its pod ended drops the values past the prune step', async () => {
  const log = new TrialLog();
  for (const [step, value] of [
    [1, 3],
    [2, 2.5],
    [3, 2.4],
  ])
    log.apply(JSON.stringify({ type: 'metric', name: 'eval_loss', value, step }));
  log.apply(JSON.stringify({ type: 'result', value: 2.4 }));
  const fullLog = { follow() {}, report: () => ({ log, isComplete: true }), forget() {} };
  let actions: Scripted[] = startTwo.slice(0, 1);
  const study = studyFixture();
  const api = new FakeApi();
  api.putStudy(study);
  api.sync();
  const key = 'team-a/qa';
  const planner = scripted(() => actions);
  const reconciler = new StudyReconciler({
    view: api.view,
    api,
    planner,
    logger: silentLogger(),
    logs: fullLog,
    now: () => NOW,
  });
  await reconciler.reconcile(key, signal);
  api.putPod(terminatedPod('qa-0', 0, 'Completed', JSON.stringify({ type: 'result', value: 2.4 })));
  api.sync();
  actions = [{ type: 'prune', name: 'qa-0', step: 2, value: 2.5 }];
  await reconciler.reconcile(key, signal);
  const status = api.trials.get('team-a/qa-0')?.status;
  assert.equal(status?.phase, 'Pruned');
  assert.equal(status?.prunedAtStep, 2);
  assert.deepEqual(status?.intermediateValues, [
    { step: 1, value: 3 },
    { step: 2, value: 2.5 },
  ]);
});

test('study reconciler › a queued study whose server keeps suspend says Kueue admits its Jobs', async () => {
  const study = studyFixture({ trialTemplate: { queueName: 'team-a' } });
  const { api, reconciler, key } = setup(
    scripted(() => startTwo),
    study,
  );
  await reconciler.reconcile(key, signal);
  assert.equal(api.jobs.get('team-a/qa-0')?.spec?.suspend, true);
  const queue = api.studies.get(key)?.status?.conditions.find((c) => c.type === 'QueueAdmission');
  assert.equal(queue?.status, 'True');
  assert.equal(queue?.reason, 'Suspended');
  assert.equal(
    api.events.some((e) => e.reason === 'SuspendIgnored'),
    false,
  );
});

test('study reconciler › a finished trial’s Job gets its TTL only once the result is written', async () => {
  const api = new FakeApi();
  const study = studyFixture();
  api.putStudy(study);
  api.sync();
  let actions: Scripted[] = startTwo.slice(0, 1);
  const reconciler = new StudyReconciler({
    view: api.view,
    api,
    planner: scripted(() => actions),
    logger: silentLogger(),
    now: () => NOW,
    finishedJobTtlSeconds: 3600,
  });
  const key = 'team-a/qa';
  await reconciler.reconcile(key, signal);
  actions = [];
  assert.equal(api.jobs.get('team-a/qa-0')?.spec?.ttlSecondsAfterFinished, undefined, 'no TTL while it runs');
  api.putPod(terminatedPod('qa-0', 0, 'Completed', JSON.stringify({ type: 'result', value: 1.5 })));
  api.sync();
  await reconciler.reconcile(key, signal);
  assert.equal(api.trials.get('team-a/qa-0')?.status?.phase, 'Succeeded');
  assert.equal(api.jobs.get('team-a/qa-0')?.spec?.ttlSecondsAfterFinished, 3600);
  const order = api.requests.filter((r) => r.includes('qa-0'));
  assert.ok(
    order.indexOf('patch jobs qa-0 ttlSecondsAfterFinished=3600') >
      order.findLastIndex((r) => r.includes('loratrials')),
    `the TTL after the trial's end: ${order.join(', ')}`,
  );
});

test('study reconciler › an evicted pod gives one next attempt, across a restart before the old Job’s delete', async () => {
  const { api, reconciler, key } = await oneTrialRunning();
  await reconciler.reconcile(key, signal);
  const evicted = runningPod('qa-0');
  evicted.metadata = { ...evicted.metadata, labels: { ...evicted.metadata?.labels, 'job-name': 'qa-0' } };
  evicted.status = {
    ...evicted.status,
    phase: 'Failed',
    reason: 'Evicted',
    message: 'The node was low on resource: memory. ',
  };
  api.putPod(evicted);
  api.sync();
  const oldJob = api.jobs.get('team-a/qa-0');
  const before = api.requests.length;
  await reconciler.reconcile(key, signal);
  assert.deepEqual(
    api.requests.slice(before).filter((r) => r.includes('jobs') || r.startsWith('update loratrials')),
    ['update loratrials/status qa-0', 'delete jobs qa-0'],
    'the status first, then the delete; the next Job waits until the old one is gone from the cache',
  );
  const trial = api.trials.get('team-a/qa-0');
  assert.equal(trial?.status?.phase, 'Pending');
  assert.equal(trial?.status?.attempt, 2);
  assert.equal(trial?.status?.reason, 'Disrupted');
  // A restart that finds the old Job still there (its delete lost) deletes it again, counts nothing twice.
  if (oldJob) api.jobs.set('team-a/qa-0', oldJob);
  api.sync();
  const restarted = new StudyReconciler({
    view: api.view,
    api,
    planner: scripted(() => []),
    logger: silentLogger(),
    now: () => NOW,
  });
  const mark = api.requests.length;
  await restarted.reconcile(key, signal);
  assert.deepEqual(
    api.requests.slice(mark).filter((r) => r.includes('jobs')),
    ['delete jobs qa-0'],
  );
  api.sync();
  await restarted.reconcile(key, signal);
  api.sync();
  await restarted.reconcile(key, signal);
  assert.equal(api.requests.filter((r) => r === 'create jobs qa-0-a2').length, 1);
  assert.equal(api.trials.get('team-a/qa-0')?.status?.attempts?.length, 1);
  assert.equal(
    api.requests.filter((r) => r === 'create events TrialDisrupted').length,
    2,
    'on the study and the trial, once',
  );
});
