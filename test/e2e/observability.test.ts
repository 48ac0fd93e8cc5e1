import { spawn, type ChildProcess } from 'node:child_process';
import { freePorts } from '../../src/local/processes';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack';
import { PROJECT_ROOT } from '../../src/local/temporal-cli';
import { scrape, select, total, type Sample } from '../support/prometheus';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { PaymentState } from '../../src/domain/sale';
import { parkedAs, saleHandle, saleResult, sell, startTestStack } from './stack-fixture';

// The three processes as Kubernetes runs them, each with its /metrics and its traces sent by
// OTLP/HTTP to a small collector in this file, while sales flow through them.
let t: TestTemporal;
let stack: LocalStack;
let collector: Server;
const children: ChildProcess[] = [];
const ports = { main: 0, inventory: 0, receiver: 0 };

/** A span as the OTLP/HTTP JSON exporter sends it (ids in hex), with its process's service name. */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}
const spans: ReceivedSpan[] = [];
const SPAN_KIND = { server: 2, client: 3 };

/** A process started as the image starts it, with its output kept for failure messages. */
function startProcess(entry: string, env: Record<string, string>) {
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...stack.envVars, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const all = (partial + d.toString()).split('\n');
    partial = all.pop()!;
    for (const line of all) if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const alive = () => {
    if (child.exitCode !== null) throw new Error(`${entry} exited ${child.exitCode}: ${stderr.slice(-600)}`);
  };
  return { child, lines, alive };
}

const metricsUrl = (port: number) => `http://127.0.0.1:${port}/metrics`;

beforeAll(async () => {
  t = await connectTemporal('e2e-observability');
  stack = await startTestStack(t, 'observability', { workers: 'none' });
  collector = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const request = JSON.parse(body) as {
          resourceSpans: Array<{
            resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
            scopeSpans: Array<{ spans: Array<Omit<ReceivedSpan, 'service'>> }>;
          }>;
        };
        for (const rs of request.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans) spans.push({ service, ...s, parentSpanId: s.parentSpanId || undefined });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const telemetry = {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as { port: number }).port}`,
    // Spans leave a process every 100 ms instead of every 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  [ports.main, ports.inventory, ports.receiver] = await Promise.all([freePort(), freePort(), freePort()]);
  const main = startProcess('src/workers/main.ts', { ...telemetry, METRICS_PORT: String(ports.main) });
  const inventory = startProcess('src/workers/inventory.ts', {
    ...telemetry,
    METRICS_PORT: String(ports.inventory),
  });
  const receiver = startProcess('src/starters/run-events-receiver.ts', {
    ...telemetry,
    METRICS_PORT: String(ports.receiver),
    VISIBILITY_METRICS_INTERVAL: '1s',
    // A sale whose payment stays pending parks this long after it started.
    PAYMENT_CONFIRMATION_TIMEOUT: '5s',
    EVENTS_PORT: '0',
    WEBHOOKS_PORT: '0',
  });
  const listening = await waitFor(
    'the receiver process to listen',
    () => {
      receiver.alive();
      return receiver.lines.find((l) => typeof l.url === 'string' && typeof l.webhooks === 'string');
    },
    60_000,
  );
  // The workers bundle the workflows at start (run from source): running once both say so.
  for (const [name, worker] of [
    ['main worker', main],
    ['inventory worker', inventory],
  ] as const)
    await waitFor(
      `the ${name} to run`,
      () => {
        worker.alive();
        return worker.lines.some((l) => l.msg === `${name} running`);
      },
      120_000,
    );
  // Sitoo's events go to the receiver process from now on.
  await stack.sitoo.events.stop();
  stack.sitoo.events.setReceiver({
    url: String(listening.url).replace(/\/events$/, ''),
    username: stack.env.EVENTS_USERNAME,
    password: stack.env.EVENTS_PASSWORD,
  });
  stack.sitoo.events.start();
}, 180_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  // The receiver process made the namespace's schedules; nothing runs them after this file.
  if (stack)
    for await (const s of stack.client.schedule.list())
      await stack.client.schedule
        .getHandle(s.scheduleId)
        .delete()
        .catch(() => undefined);
  await stack?.close();
  await t?.close();
  collector?.close();
});

describe('metrics and traces of the running processes', () => {
  let sold: Array<{ orderId: number }> = [];
  let unmapped: { orderId: number };

  it('each process serves /metrics: the SDK metrics on the workers, ours with exact counts and plausible values', async () => {
    sold = [sell(stack, 101, [['TEE-1', 1]]), sell(stack, 102, [['CAP-1', 2]]), sell(stack, 101, [['BOOK-1', 1]])];
    unmapped = sell(stack, 199, [['TEE-1', 1]]);
    for (const sale of sold) expect((await saleResult(stack, sale.orderId)).outcome).toBe('completed');
    await parkedAs(stack, unmapped.orderId, 'unmapped-warehouse');
    await stack.sitoo.events.waitUntilDrained(30_000);
    const delivery = stack.sitoo.events.stats;
    expect(delivery.failedAttempts).toBe(0);
    expect(delivery.delivered).toBeGreaterThanOrEqual(8); // an order event and a stock event per sale, at least

    // The receiver: every event Sitoo delivered counted once, by what became of it; every batch acknowledged.
    const receiver = await scrape(metricsUrl(ports.receiver));
    expect(total(receiver, 'retail_receiver_events_total', { receiver: 'sitoo-events' })).toBe(delivery.delivered);
    expect(total(receiver, 'retail_receiver_events_total', { receiver: 'sitoo-events', outcome: 'started' })).toBe(4);
    expect(total(receiver, 'retail_receiver_requests_total', { receiver: 'sitoo-events', outcome: 'accepted' })).toBe(
      delivery.batchesSent,
    );
    expect(
      total(receiver, 'retail_receiver_requests_total', { receiver: 'sitoo-events', outcome: 'unavailable' }),
    ).toBe(0);
    const acks = total(receiver, 'retail_receiver_ack_latency_seconds_count', { receiver: 'sitoo-events' });
    expect(acks).toBe(delivery.batchesSent);
    const ackMean = total(receiver, 'retail_receiver_ack_latency_seconds_sum', { receiver: 'sitoo-events' }) / acks;
    expect(ackMean).toBeGreaterThan(0);
    expect(ackMean).toBeLessThan(10);

    // The parked sale, from the visibility collector: one unmapped-warehouse exception, its labels, its
    // age; and the one sale still running, at that warehouse (the others closed, as a round will see).
    const gauges = (samples: Sample[], name: string): Array<Record<string, string | number>> =>
      select(samples, name).map((s) => ({ ...s.labels, value: s.value }));
    const parked = await waitFor('a round of the gauges after the sales closed', async () => {
      const now = await scrape(metricsUrl(ports.receiver));
      const running = gauges(now, 'retail_sales_running');
      return running.length === 1 && running[0]!.store === 'sitoo-warehouse-199' ? now : undefined;
    });
    expect(gauges(parked, 'retail_sales_running')).toEqual([{ store: 'sitoo-warehouse-199', value: 1 }]);
    expect(gauges(parked, 'retail_exceptions_parked')).toEqual([
      { type: 'unmapped-warehouse', owner: 'integration-ops', store: 'sitoo-warehouse-199', value: 1 },
    ]);
    const [age] = select(parked, 'retail_exceptions_oldest_age_seconds', {
      type: 'unmapped-warehouse',
      owner: 'integration-ops',
    });
    expect(age!.value).toBeGreaterThanOrEqual(0);
    expect(age!.value).toBeLessThan(120);

    // The main worker: the SDK's metrics from the core exporter, and the parking counted by the workflow itself.
    const main = await scrape(metricsUrl(ports.main));
    expect(select(main, 'retail_exceptions_raised_total').map((s) => s.labels)).toEqual([
      expect.objectContaining({ type: 'unmapped-warehouse', owner: 'integration-ops', workflowType: 'saleWorkflow' }),
    ]);
    expect(total(main, 'retail_exceptions_raised_total')).toBe(1);
    expect(
      total(main, 'temporal_workflow_completed_total', { task_queue: 'retail-main', workflow_type: 'saleWorkflow' }),
    ).toBe(3);
    expect(
      total(main, 'temporal_activity_schedule_to_start_latency_seconds_count', { task_queue: 'retail-main' }),
    ).toBeGreaterThan(0);
    expect(
      total(main, 'temporal_workflow_task_schedule_to_start_latency_seconds_count', { task_queue: 'retail-main' }),
    ).toBeGreaterThan(0);
    expect(
      select(main, 'temporal_num_pollers', { task_queue: 'retail-main', poller_type: 'activity_task' }),
    ).toHaveLength(1);

    // The inventory worker: the stock latency of the mapped stores' sales, from its activity, on the same endpoint.
    const inventory = await scrape(metricsUrl(ports.inventory));
    const latencyCount = total(inventory, 'retail_stock_latency_seconds_count', { source: 'sitoo' });
    expect(latencyCount).toBe(3);
    expect(total(inventory, 'retail_stock_latency_seconds_count', { source: 'sitoo', store: 'S01' })).toBe(2);
    expect(total(inventory, 'retail_stock_latency_seconds_count', { source: 'sitoo', store: 'S02' })).toBe(1);
    const latencyMean = total(inventory, 'retail_stock_latency_seconds_sum', { source: 'sitoo' }) / latencyCount;
    expect(latencyMean).toBeGreaterThanOrEqual(0);
    expect(latencyMean).toBeLessThan(30);
    // The coalescer's flush is a local activity: the SDK times it under its own name.
    expect(
      total(inventory, 'temporal_local_activity_execution_latency_seconds_count', {
        task_queue: 'retail-inventory',
        activity_type: 'syncStock',
      }),
    ).toBeGreaterThan(0);
  }, 240_000);

  it('the age of a parked exception counts from when it was parked, not from when its workflow started', async () => {
    const pending = sell(stack, 102, [['TEE-1', 1]], PaymentState.Pending);
    await parkedAs(stack, pending.orderId, 'payment-not-confirmed');
    const started = (await saleHandle(stack, pending.orderId).describe()).startTime.getTime();
    const receiver = await waitFor('a round of the gauges that saw it parked', async () => {
      const now = await scrape(metricsUrl(ports.receiver));
      return select(now, 'retail_exceptions_parked', { type: 'payment-not-confirmed' }).length ? now : undefined;
    });
    const runningFor = (Date.now() - started) / 1000;
    expect(runningFor).toBeGreaterThan(5);
    expect(select(receiver, 'retail_exceptions_parked', { type: 'payment-not-confirmed' })).toEqual([
      {
        name: 'retail_exceptions_parked',
        labels: { type: 'payment-not-confirmed', owner: 'finance', store: 'S02' },
        value: 1,
      },
    ]);
    const [age] = select(receiver, 'retail_exceptions_oldest_age_seconds', { type: 'payment-not-confirmed' });
    // It waited 5 s for its payment before it parked: those seconds are not the exception's.
    expect(age!.value).toBeGreaterThanOrEqual(0);
    expect(age!.value).toBeLessThan(runningFor - 4);
  }, 60_000);

  it("one trace runs from the receiver's batch through the sale workflow and its activity to the HTTP call", async () => {
    const order = sold[0]!;
    // The sale's first step reads the order from Sitoo: its HTTP span is in the sale's trace.
    const chain = await waitFor(
      'the HTTP span of a sale activity, and every span up to its batch',
      () => {
        const byId = new Map(spans.map((s) => [s.spanId, s]));
        for (const http of spans.filter((s) => s.kind === SPAN_KIND.client && s.name === 'GET sitoo')) {
          const path: ReceivedSpan[] = [http];
          for (let p = byId.get(http.parentSpanId ?? ''); p; p = byId.get(p.parentSpanId ?? '')) path.push(p);
          const root = path.at(-1)!;
          if (root.name === 'POST /events' && path.some((s) => s.name === 'RunWorkflow:saleWorkflow')) return path;
        }
        return undefined;
      },
      30_000,
    );
    expect(order.orderId).toBeGreaterThan(0);
    // From the HTTP call up: the activity, its scheduling in the workflow, the workflow run, the
    // start the receiver made, and the batch it made it for; one trace id all the way.
    expect(chain.map((s) => [s.service, s.name.replace(/:(?!saleWorkflow).*$/, ':*')])).toEqual([
      ['retail-main-worker', 'GET sitoo'],
      ['retail-main-worker', 'RunActivity:*'],
      ['retail-main-worker', 'StartActivity:*'],
      ['retail-main-worker', 'RunWorkflow:saleWorkflow'],
      ['retail-receiver', 'StartWorkflow:saleWorkflow'],
      ['retail-receiver', 'POST /events'],
    ]);
    expect(new Set(chain.map((s) => s.traceId)).size).toBe(1);
    expect(chain.at(-1)!.kind).toBe(SPAN_KIND.server);
    expect(chain.at(-1)!.parentSpanId).toBeUndefined();
  }, 60_000);

  it('every metric the alert rules watch is one the processes show', async () => {
    const rules = parse(readFileSync(join(PROJECT_ROOT, 'deploy/k8s/base/monitoring/alert-rules.yaml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
    };
    const exprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
    const used = new Set(
      exprs.flatMap((e) => [...e.matchAll(/\b((?:retail|temporal)_[a-z0-9_]+)\b/g)].map((m) => m[1]!)),
    );
    expect(exprs.some((e) => /\bup\{/.test(e))).toBe(true); // `up` is Prometheus' own, one per scraped target
    const shown = new Set(
      (await Promise.all([ports.main, ports.inventory, ports.receiver].map((p) => scrape(metricsUrl(p))))).flatMap(
        (samples: Sample[]) => samples.map((s) => s.name),
      ),
    );
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !shown.has(name))).toEqual([]);
  }, 60_000);
});

/** A port nothing listens on now (the local stack's own picker). */
const freePort = async (): Promise<number> => (await freePorts(1))[0]!;
