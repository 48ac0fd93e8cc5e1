import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { PROJECT_ROOT } from '../src/local/temporal-cli';
import { TASK_QUEUES } from '../src/workflows/task-queues';
import { bounded, sleep } from './stats';

const { temporal } = proto;

/**
 * The production workers as child processes (exactly as deployed: `src/workers/main.ts`,
 * `src/workers/inventory.ts` and, for the catalogue benchmark, `src/workers/catalogue.ts`, with the
 * stack's environment), so their memory can be sampled and they compete for the CPU the way
 * separate processes do.
 */
export type WorkerName = 'main' | 'inventory' | 'catalogue';

export interface WorkerProcess {
  name: WorkerName;
  pid: number;
  logFile: string;
  /** Log lines at warn or above (pino level >= 40), and the last few of them. */
  warnings: number;
  errors: number;
  recent: string[];
  exitCode: number | null | undefined;
  exited: Promise<void>;
  child: ChildProcess;
}

const ENTRY: Record<WorkerName, string> = {
  main: join(PROJECT_ROOT, 'src', 'workers', 'main.ts'),
  inventory: join(PROJECT_ROOT, 'src', 'workers', 'inventory.ts'),
  catalogue: join(PROJECT_ROOT, 'src', 'workers', 'catalogue.ts'),
};

export function spawnWorker(name: WorkerName, env: Record<string, string>, logDir: string): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY[name]], {
    cwd: PROJECT_ROOT,
    // Health endpoints off: the workers would all take the default port and all but one would fail.
    env: { ...process.env, ...env, LOG_LEVEL: 'warn', WORKER_SHUTDOWN_GRACE: '5s', WORKER_HEALTH_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start the ${name} worker`);
  const logFile = join(logDir, `worker-${name}.log`);
  const log = createWriteStream(logFile);
  const w: WorkerProcess = {
    name,
    pid: child.pid,
    logFile,
    warnings: 0,
    errors: 0,
    recent: [],
    exitCode: undefined,
    child,
    exited: new Promise((resolve) =>
      child.once('exit', (code, sig) => {
        w.exitCode = code ?? (sig ? 128 : null);
        log.end();
        resolve();
      }),
    ),
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      log.write(`${line}\n`);
      let level = 50; // anything that is not a pino line (a crash, a stack trace) counts as an error
      try {
        level = (JSON.parse(line) as { level?: number }).level ?? 50;
      } catch {
        /* not JSON */
      }
      if (level >= 50) w.errors++;
      else if (level >= 40) w.warnings++;
      if (level >= 40) {
        w.recent.push(line.slice(0, 400));
        if (w.recent.length > 10) w.recent.shift();
      }
    });
  }
  return w;
}

async function hasPollers(
  client: Client,
  taskQueue: string,
  type: proto.temporal.api.enums.v1.TaskQueueType,
): Promise<boolean> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: type,
  });
  return (res.pollers?.length ?? 0) > 0;
}

/** Until every worker polls its queue (workflow and activity tasks), or one of them dies. */
export async function waitUntilPolling(
  client: Client,
  workers: WorkerProcess[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
  const deadline = Date.now() + timeoutMs;
  const queues = workers.map((w) => TASK_QUEUES[w.name]);
  for (;;) {
    const dead = workers.find((w) => w.exitCode !== undefined);
    if (dead)
      throw new Error(
        `the ${dead.name} worker exited with ${dead.exitCode} before polling; see ${dead.logFile}: ${dead.recent.join('\n')}`,
      );
    if (signal?.aborted) throw new Error('interrupted');
    const ask = () =>
      Promise.all(
        queues.flatMap((q) => [
          hasPollers(client, q, TASK_QUEUE_TYPE_WORKFLOW),
          hasPollers(client, q, TASK_QUEUE_TYPE_ACTIVITY),
        ]),
      );
    const ready = await bounded(client, signal, ask);
    if (ready.every(Boolean)) return;
    if (Date.now() > deadline)
      throw new Error(
        `workers not polling within ${timeoutMs} ms (${workers.map((w) => w.name).join('/')} workflow+activity: ${ready.join(',')})`,
      );
    if (signal?.aborted) throw new Error('interrupted');
    await sleep(500, signal);
  }
}

/** SIGTERM (the workers drain), then SIGKILL if one is still there after the grace. */
export async function stopWorkers(workers: WorkerProcess[], graceMs = 20_000): Promise<void> {
  await Promise.all(
    workers.map(async (w) => {
      if (w.exitCode !== undefined) return;
      w.child.kill('SIGTERM');
      const timer = setTimeout(() => w.child.kill('SIGKILL'), graceMs);
      await w.exited;
      clearTimeout(timer);
    }),
  );
}

/** Last resort on process exit: no worker outlives the benchmark. */
export function killWorkersSync(workers: WorkerProcess[]): void {
  for (const w of workers) if (w.exitCode === undefined) w.child.kill('SIGKILL');
}
