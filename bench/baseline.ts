import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import type { Logger as TemporalLogger } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { benchBaselineWorkflow } from './baseline-workflow';
import { runOpenLoop, type OpenLoopResult } from './load';
import { bounded, percentiles, sleep, type Percentiles } from './stats';

/**
 * What the Temporal server on this machine can do at all: at each rate, one bare workflow (one
 * activity that returns at once) started per tick on its own task queue, timed from the start
 * call to its result, with an in-process worker. The inventory figures are reported against it.
 */
export const BASELINE_TASK_QUEUE = 'bench-baseline';

export interface BaselineStep {
  rate: number;
  seconds: number;
  load: OpenLoopResult;
  completed: number;
  failed: number;
  /** start call begins -> result returned. */
  latency: Percentiles;
  /** Completed workflows per second, from the first tick to the last result. */
  throughput: number;
  /** Workflows not finished within the drain deadline after the step. */
  unfinished: number;
}

export interface BaselineOptions {
  address: string;
  namespace: string;
  client: Client;
  rates: number[];
  seconds: number;
  say: (line: string) => void;
  signal?: AbortSignal;
  runTag: string;
}

/** Temporal's bundler and worker talk through this; only warnings and errors are worth a line. */
export function quietTemporalLogger(say: (line: string) => void): TemporalLogger {
  const drop = () => {};
  return {
    log: drop,
    trace: drop,
    debug: drop,
    info: drop,
    warn: (m) => say(`[temporal] ${m}`),
    error: (m) => say(`[temporal] ${m}`),
  };
}

export async function runBaseline(opts: BaselineOptions): Promise<BaselineStep[]> {
  opts.say('Baseline: bundling the bare workflow and starting an in-process worker...');
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./baseline-workflow.ts', import.meta.url)),
    logger: quietTemporalLogger(opts.say),
  });
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: BASELINE_TASK_QUEUE,
    workflowBundle,
    activities: { noop: async () => {} },
    shutdownGraceTime: '2s',
  });
  const running = worker.run();
  const steps: BaselineStep[] = [];
  try {
    // A few workflows first, so connection set-up and the first workflow task's bundle load are not measured.
    const warmup = () =>
      Promise.all(
        [0, 1, 2].map((i) =>
          opts.client.workflow.execute<typeof benchBaselineWorkflow>('benchBaselineWorkflow', {
            taskQueue: BASELINE_TASK_QUEUE,
            workflowId: `baseline-${opts.runTag}-warmup-${i}`,
          }),
        ),
      );
    await bounded(opts.client, opts.signal, warmup, 60_000);
    for (const rate of opts.rates) {
      if (opts.signal?.aborted) break;
      steps.push(await baselineStep(opts, rate));
    }
  } finally {
    // On SIGINT the Temporal runtime has already begun shutting the worker down itself.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
  }
  return steps;
}

async function baselineStep(opts: BaselineOptions, rate: number): Promise<BaselineStep> {
  opts.say(`Baseline ${rate}/s for ${opts.seconds}s...`);
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let failed = 0;
  let lastDone = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const load = await runOpenLoop(
    rate,
    opts.seconds,
    (i) => {
      const begin = performance.now();
      const p = opts.client.workflow
        .start<typeof benchBaselineWorkflow>('benchBaselineWorkflow', {
          taskQueue: BASELINE_TASK_QUEUE,
          workflowId: `baseline-${opts.runTag}-${rate}-${i}`,
        })
        .then((handle) => handle.result())
        .then(
          () => {
            lastDone = performance.now();
            latencies.push(lastDone - begin);
          },
          (err: unknown) => {
            failed++;
            firstError ??= err instanceof Error ? err.message : String(err);
          },
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    },
    opts.signal,
  );
  const deadline = Date.now() + Math.max(30_000, opts.seconds * 1000);
  while (inFlight.size > 0 && Date.now() < deadline && !opts.signal?.aborted) await sleep(50, opts.signal);
  if (firstError) opts.say(`Baseline ${rate}/s: ${failed} failed, first: ${firstError}`);
  const stats = percentiles(latencies);
  opts.say(
    `Baseline ${rate}/s: ${latencies.length} done, p50 ${stats.p50.toFixed(0)} ms, p99 ${stats.p99.toFixed(0)} ms`,
  );
  return {
    rate,
    seconds: opts.seconds,
    load,
    completed: latencies.length,
    failed,
    latency: stats,
    throughput: latencies.length / Math.max(0.001, (lastDone - t0) / 1000),
    unfinished: inFlight.size,
  };
}
