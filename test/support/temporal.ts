import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { inject } from 'vitest';
import type { TestNamespace } from './namespaces';

let runtimeInstalled = false;

/**
 * Connects to the test run's dev server (started once by global-setup), in the namespace that
 * belongs to the calling test file: files run in parallel and must not share task queues.
 */
export async function connectTemporal(namespace: TestNamespace) {
  if (!runtimeInstalled) {
    // Keep test output readable: SDK errors only; parked exceptions log at WARN by design.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const address = inject('temporalAddress');
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  return {
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
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
