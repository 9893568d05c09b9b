/**
 * Failing trial pods: exit 1 and OOMKilled give Failed trials with the reason and the trainer's
 * error line; more failures than maxFailedTrials fail the study with TooManyFailures. A trial
 * whose pod no node takes says so, in the trial and in the study.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControlPlane } from '../harness/control-plane.ts';
import {
  createNamespace,
  createStudy,
  eventually,
  readEvents,
  readStudy,
  readTrials,
  startCluster,
  startOperator,
  studyFinished,
  studyManifest,
  type RunningOperator,
} from './support/cluster.ts';
import { objectiveWorkload } from './support/objective.ts';

let cp: ControlPlane;
let operator: RunningOperator | undefined;
let second: RunningOperator | undefined;
const CAUSE = "lorahpo-trainer: error: Error: ENOTDIR: not a directory, mkdir '/output/x/adapter'";
const STACK = `${CAUSE}\n    at mkdirSync (node:fs:1372:3)\n    at train (file:///app/trainer/src/main.ts:88:12)\n    at async main (file:///app/trainer/src/main.ts:230:5)\n`;

before(async () => {
  cp = await startCluster(
    objectiveWorkload({
      stepMs: 10,
      failWith: (trial) => {
        if (!trial.startsWith('failing-')) return undefined;
        const number = Number(trial.split('-').at(-1));
        return number % 2 === 0 ? { exitCode: 137, reason: 'OOMKilled' } : { exitCode: 1 };
      },
      failureOutput: STACK,
    }),
  );
});

after(async () => {
  await operator?.stop();
  await second?.stop();
  await cp?.stop();
});

test('operator › failing pods give Failed trials with the reason; maxFailedTrials fails the study with TooManyFailures', async () => {
  const namespace = await createNamespace(cp, 'failures');
  operator = startOperator(cp, namespace);
  await createStudy(
    cp,
    studyManifest('failing', namespace, { budget: { maxTrials: 10, parallelTrials: 1, maxFailedTrials: 2 } }),
  );
  const study = await studyFinished(cp, namespace, 'failing');
  assert.equal(study.status?.phase, 'Failed');
  assert.equal(study.status?.completionReason, 'TooManyFailures');
  const trials = await readTrials(cp, namespace);
  const failed = trials.filter((t) => t.status?.phase === 'Failed');
  assert.equal(failed.length, 3, 'one more than maxFailedTrials');
  assert.deepEqual(
    failed.map((t) => t.status?.reason),
    ['OOMKilled', 'Error', 'OOMKilled'],
  );
  assert.match(failed[0]?.status?.message ?? '', /exited with code 137/);
  assert.equal(failed[1]?.status?.message, `trainer exited with code 1: ${CAUSE}`, 'the cause, not stack frames');
  assert.equal(trials.length, 3, 'no trial started after the study failed');
  const warnings = (await readEvents(cp, namespace)).filter((e) => e.type === 'Warning' && e.reason === 'TrialFailed');
  assert.equal(warnings.filter((e) => e.involvedObject.kind === 'LoraStudy').length, 3);
  const onTrials = warnings.filter((e) => e.involvedObject.kind === 'LoraTrial');
  assert.deepEqual(onTrials.map((e) => e.involvedObject.name).sort(), failed.map((t) => t.metadata.name).sort());
  const onSecond = onTrials.find((e) => e.involvedObject.name === failed[1]?.metadata.name);
  assert.equal(
    onSecond?.message,
    `Trial ${failed[1]?.metadata.name} failed (Error): trainer exited with code 1: ${CAUSE}`,
  );
});

test('operator › an unschedulable trial carries the scheduler’s words; the study counts it pending', async () => {
  const namespace = await createNamespace(cp, 'unschedulable');
  second = startOperator(cp, namespace);
  await createStudy(
    cp,
    studyManifest('nowhere', namespace, {
      budget: { maxTrials: 2, parallelTrials: 2 },
      trialTemplate: { image: 'lorahpo-trainer:test', command: ['fake-trainer'], nodeSelector: { gpu: 'h100' } },
    }),
  );
  const trials = await eventually('both trials to say why they wait', async () => {
    const all = await readTrials(cp, namespace);
    return all.length === 2 && all.every((t) => t.status?.reason === 'Unschedulable') ? all : undefined;
  });
  for (const trial of trials) {
    assert.equal(trial.status?.phase, 'Pending');
    assert.match(trial.status?.message ?? '', /^pod nowhere-\d-\w+ cannot be scheduled: 0\/1 nodes are available/);
  }
  const study = await eventually('the study to explain its pending trials', async () => {
    const read = await readStudy(cp, namespace, 'nowhere');
    const pending = read.status?.conditions.find((c) => c.type === 'TrialsPending');
    return pending?.reason === 'Unschedulable' ? read : undefined;
  });
  assert.deepEqual(study.status?.trialCounts, {
    pending: 2,
    running: 0,
    succeeded: 0,
    pruned: 0,
    earlyStopped: 0,
    failed: 0,
  });
  const pending = study.status?.conditions.find((c) => c.type === 'TrialsPending');
  assert.match(
    pending?.message ?? '',
    /^2 trials pending; 2 Unschedulable: pod nowhere-\d-\w+ cannot be scheduled: 0\/1/,
  );
  assert.equal(study.status?.conditions.find((c) => c.type === 'Running')?.message, '0 trials running, 2 pending');
  assert.equal(study.status?.conditions.find((c) => c.type === 'TemplateCurrent')?.status, 'True');

  // A template edit is for new trials: the stuck ones keep their Jobs, and the study says so.
  const patched = await cp.kubectl([
    'patch',
    'lorastudy',
    'nowhere',
    '-n',
    namespace,
    '--type=json',
    '-p',
    JSON.stringify([{ op: 'remove', path: '/spec/trialTemplate/nodeSelector' }]),
  ]);
  assert.equal(patched.code, 0, patched.stderr);
  const edited = await eventually('the study to say the template changed', async () => {
    const read = await readStudy(cp, namespace, 'nowhere');
    const current = read.status?.conditions.find((c) => c.type === 'TemplateCurrent');
    return current?.status === 'False' ? current : undefined;
  });
  assert.equal(edited.reason, 'TemplateChanged');
  assert.match(edited.message, /2 started trials \(nowhere-0, nowhere-1\) keep the template they started with/);
  const job = await cp.kubectl([
    'get',
    'job',
    'nowhere-0',
    '-n',
    namespace,
    '-o',
    'jsonpath={.spec.template.spec.nodeSelector}',
  ]);
  assert.match(job.stdout, /h100/, 'the started Job is not rebuilt');
});

test('operator › a queueName study on a server without Job suspend says its Jobs ran at once', async () => {
  const namespace = await createNamespace(cp, 'queued');
  const third = startOperator(cp, namespace);
  try {
    await createStudy(
      cp,
      studyManifest('queued', namespace, {
        budget: { maxTrials: 1, parallelTrials: 1 },
        trialTemplate: { image: 'lorahpo-trainer:test', command: ['fake-trainer'], queueName: 'team-a' },
      }),
    );
    const study = await studyFinished(cp, namespace, 'queued');
    assert.equal(study.status?.phase, 'Succeeded', 'Kubernetes 1.20 drops spec.suspend: the Job ran at once');
    const queue = study.status?.conditions.find((c) => c.type === 'QueueAdmission');
    assert.equal(queue?.status, 'False');
    assert.equal(queue?.reason, 'SuspendIgnored');
    assert.match(queue?.message ?? '', /dropped spec\.suspend .* Kueue queue team-a/);
    const job = await cp.kubectl(['get', 'job', 'queued-0', '-n', namespace, '-o', 'jsonpath={.metadata.labels}']);
    assert.match(job.stdout, /kueue\.x-k8s\.io\/queue-name/, 'the queue label is on the Job');
    const warnings = (await readEvents(cp, namespace)).filter((e) => e.reason === 'SuspendIgnored');
    assert.deepEqual(warnings.map((e) => `${e.type} ${e.involvedObject.kind}`).sort(), [
      'Warning LoraStudy',
      'Warning LoraTrial',
    ]);
  } finally {
    await third.stop();
  }
});

test('operator › a study that mounts the node’s filesystem is refused with its field path', async () => {
  const namespace = await createNamespace(cp, 'hostpath');
  const fourth = startOperator(cp, namespace);
  try {
    await createStudy(
      cp,
      studyManifest('escape', namespace, {
        trialTemplate: {
          image: 'lorahpo-trainer:test',
          command: ['fake-trainer'],
          volumes: [{ name: 'root', hostPath: { path: '/' } }],
          volumeMounts: [{ name: 'root', mountPath: '/host' }],
        },
      }),
    );
    const valid = await eventually('the study to be refused', async () => {
      const read = await readStudy(cp, namespace, 'escape');
      const condition = read.status?.conditions.find((c) => c.type === 'Valid');
      return condition?.status === 'False' ? condition : undefined;
    });
    assert.equal(valid.reason, 'SpecInvalid');
    assert.match(valid.message, /spec\.trialTemplate\.volumes\[0\]\.hostPath: hostPath volumes mount the node's files/);
    assert.deepEqual(await readTrials(cp, namespace), [], 'no trial, no pod');
    const jobs = await cp.kubectl(['get', 'jobs', '-n', namespace, '-o', 'name']);
    assert.equal(jobs.stdout.trim(), '');
  } finally {
    await fourth.stop();
  }
});
