import { randomBytes } from 'node:crypto';
import { Client, Connection, type ScheduleHandle } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { inject } from 'vitest';
import { dataConverter as payloadDataConverter } from '../../src/bootstrap/data-converter';
import type { ServerTestNamespace, TestNamespace } from './namespaces';

let runtimeInstalled = false;

/**
 * Connects to the test run's server (started once by global-setup: the dev server, or the
 * production-shaped one for test/server), in the namespace that belongs to the calling test file:
 * files run in parallel and must not share task queues.
 */
export async function connectTemporal(namespace: TestNamespace | ServerTestNamespace) {
  if (!runtimeInstalled) {
    // Keep test output readable: SDK errors only; parked exceptions log at WARN by design.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const address = inject('temporalAddress');
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  // Payloads are encrypted in the tests as in production; workers made by a test take `dataConverter`.
  const dataConverter = payloadDataConverter({ TEMPORAL_PAYLOAD_KEYS: new Map([['test', randomBytes(32)]]) });
  const client = new Client({ connection, namespace, dataConverter });
  return {
    dataConverter,
    address,
    namespace,
    client,
    nativeConnection,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

export type TestTemporal = Awaited<ReturnType<typeof connectTemporal>>;

/** Waits for a condition with a deadline; never a bare sleep. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Triggers a schedule's action now and returns the workflow it started. A schedule names each
 * run's workflow by the second it starts in, and a second trigger within the same second gets the
 * same id and is dropped without a word: so this waits for a new second first.
 */
export async function triggerSchedule(
  schedule: ScheduleHandle,
): Promise<{ workflowId: string; firstExecutionRunId: string }> {
  const recent = (await schedule.describe()).info.recentActions;
  const last = recent.at(-1)?.takenAt;
  if (last)
    await waitFor(
      "a new second for the run's workflow id",
      () => Math.floor(Date.now() / 1000) > Math.floor(last.getTime() / 1000),
      5_000,
      50,
    );
  const before = new Set(recent.map((a) => a.action.workflow.workflowId));
  await schedule.trigger();
  return waitFor(
    'the triggered run to start',
    async () =>
      (await schedule.describe()).info.recentActions
        .map((a) => a.action.workflow)
        .find((w) => !before.has(w.workflowId)),
    30_000,
    100,
  );
}
