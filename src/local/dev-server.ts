import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { allSearchAttributeKeys } from '../workflows/search-attributes';
import { ensureTemporalCli, PROJECT_ROOT } from './temporal-cli';

/**
 * Starts a real Temporal dev server (`temporal server start-dev`) for the demo, the tests and the
 * benchmarks: SQLite under .data/, the namespace, and the search attributes our workflows set.
 * Production points the same workers at a Temporal cluster through TEMPORAL_ADDRESS instead.
 */
export interface DevServerOptions {
  namespace: string;
  /** More namespaces to create (the tests give each test file its own, so task queues never collide). */
  extraNamespaces?: string[];
  /** SQLite file; it is deleted first so each run starts from a clean history. */
  dbFile?: string;
  /** Fixed frontend port (demo); omitted = a free port (tests). */
  port?: number;
  /** Serve the web UI on this port. */
  uiPort?: number;
  log?: (line: string) => void;
}

export interface DevServer {
  env: TestWorkflowEnvironment;
  address: string;
  namespace: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const cli = await ensureTemporalCli(opts.log);
  const dbFile = opts.dbFile ?? join(PROJECT_ROOT, '.data', 'temporal.sqlite');
  await mkdir(dirname(dbFile), { recursive: true });
  // The SDK hands the server our stdout; its banner is log output, and stdout belongs to results (demo --json).
  const quietCli = cli && join(dirname(dbFile), 'temporal-to-stderr.sh');
  if (quietCli) {
    await writeFile(quietCli, `#!/bin/sh\nexec '${cli.replace(/'/g, `'\\''`)}' "$@" 1>&2\n`);
    await chmod(quietCli, 0o755);
  }
  await Promise.all(['', '-wal', '-shm'].map((suffix) => rm(dbFile + suffix, { force: true })));
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: quietCli ? { type: 'existing-path', path: quietCli } : { type: 'cached-download' },
      namespace: opts.namespace,
      dbFilename: dbFile,
      port: opts.port,
      ...(opts.uiPort ? { ui: true, uiPort: opts.uiPort } : {}),
      searchAttributes: allSearchAttributeKeys,
      // WAL + no fsync: a throwaway local server, not a system of record.
      extraArgs: [
        '--sqlite-pragma',
        'journal_mode=WAL',
        '--sqlite-pragma',
        'synchronous=OFF',
        ...(opts.extraNamespaces ?? []).flatMap((n) => ['--namespace', n]),
      ],
    },
  });
  const address = env.address;
  return {
    env,
    address,
    namespace: opts.namespace,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}/namespaces/${opts.namespace}/workflows` : undefined,
    stop: () => env.teardown(),
  };
}
