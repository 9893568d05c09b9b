import { test } from 'node:test';
import assert from 'node:assert/strict';
import { operatorCommandSpec, type OperatorFlags } from '../../../operator/src/cli/commands/operator.ts';
import { defaultOperatorOptions } from '../../../operator/src/controller/operator.ts';
import { defaultLeaderElectionOptions } from '../../../operator/src/controller/runtime/leader-election.ts';

const flags = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  operatorCommandSpec(env).parse(args, { from: 'user' }).opts<OperatorFlags>();

test('operator flags › unset flags take the defaults of the options they feed', () => {
  const lease = defaultLeaderElectionOptions();
  const parsed = flags([]);
  assert.equal(parsed.leaseName, lease.name);
  assert.equal(parsed.leaseDurationMs, lease.leaseDurationMs);
  assert.equal(parsed.renewDeadlineMs, lease.renewDeadlineMs);
  assert.equal(parsed.retryPeriodMs, lease.retryPeriodMs);
  assert.equal(parsed.maxConcurrentReconciles, defaultOperatorOptions().maxConcurrentReconciles);
});

test('operator flags › environment variables and flags override the defaults', () => {
  const parsed = flags(['--retry-period-ms', '500'], { LORAHPO_LEASE_DURATION_MS: '30000' });
  assert.equal(parsed.leaseDurationMs, 30_000);
  assert.equal(parsed.retryPeriodMs, 500);
  assert.throws(
    () => flags([], { LORAHPO_LEASE_RETRY_MS: 'soon' }),
    /LORAHPO_LEASE_RETRY_MS must be a whole number >= 0, got "soon"/,
  );
});
