import { readFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';

/**
 * Small numeric helpers for the benchmarks: percentiles (nearest rank), medians, and worker
 * memory sampled from /proc (Linux), so a number in the report can be traced to how it was taken.
 */

/** Nearest-rank percentile of unsorted values (p in 0..100); NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1]! };
}

/** a / b, or NaN when either is missing or b is 0 (a ratio is only meaningful with both sides). */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}

/** Rounds for the report, keeping NaN (shown as "n/a") distinguishable from 0. */
export function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return NaN;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Resident set size of a process in MB (VmRSS from /proc/<pid>/status), undefined when gone or not Linux. */
export async function rssMb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat; undefined when gone or not Linux. */
export async function cpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return undefined;
  }
}

/** A direct child of this process by command name (e.g. the Temporal dev server), from /proc. */
export async function findChildPid(command: string): Promise<number | undefined> {
  const { readdir } = await import('node:fs/promises');
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (comm === command && ppid === process.pid) return Number(entry);
  }
  return undefined;
}

export interface ProcessWindow {
  rssMedianMb: number;
  rssMaxMb: number;
  /** CPU used over the window, in % of one core. */
  cpuPercent: number;
}

export interface ResourceWindow {
  processes: Record<string, ProcessWindow>;
  /** This process (simulators, receiver, load generator): CPU and event-loop delay, which would distort every latency if high. */
  bench: { cpuPercent: number; eventLoopP99Ms: number; eventLoopMaxMs: number };
}

/**
 * Per step: the RSS of named processes sampled every second (median and max), the CPU each used,
 * and this process's CPU and event-loop delay. `window()` closes the current window and opens the next.
 */
export class ResourceSampler {
  private series = new Map<string, number[]>();
  private cpuAtStart = new Map<string, number>();
  private benchCpuAtStart = process.cpuUsage();
  private startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });

  constructor(
    private readonly pids: () => Record<string, number | undefined>,
    private readonly everyMs = 1_000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.loop.enable();
    this.timer = setInterval(() => void this.sample(), this.everyMs);
    this.timer.unref();
    void this.window();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.loop.disable();
  }

  async window(): Promise<ResourceWindow> {
    const seconds = Math.max(0.001, (Date.now() - this.startedAt) / 1000);
    const processes: Record<string, ProcessWindow> = {};
    for (const [name, pid] of Object.entries(this.pids())) {
      if (pid === undefined) continue;
      const cpu = await cpuSeconds(pid);
      const values = this.series.get(name) ?? [];
      const before = this.cpuAtStart.get(name);
      processes[name] = {
        rssMedianMb: round(median(values)),
        rssMaxMb: round(values.length ? Math.max(...values) : NaN),
        cpuPercent: round(cpu !== undefined && before !== undefined ? ((cpu - before) / seconds) * 100 : NaN),
      };
      if (cpu !== undefined) this.cpuAtStart.set(name, cpu);
    }
    const used = process.cpuUsage(this.benchCpuAtStart);
    const bench = {
      cpuPercent: round(((used.user + used.system) / 1e6 / seconds) * 100),
      eventLoopP99Ms: round(this.loop.percentile(99) / 1e6),
      eventLoopMaxMs: round(this.loop.max / 1e6),
    };
    this.series = new Map();
    this.benchCpuAtStart = process.cpuUsage();
    this.startedAt = Date.now();
    this.loop.reset();
    return { processes, bench };
  }

  private async sample(): Promise<void> {
    for (const [name, pid] of Object.entries(this.pids())) {
      if (pid === undefined) continue;
      const mb = await rssMb(pid);
      if (mb === undefined) continue;
      (this.series.get(name) ?? this.series.set(name, []).get(name)!).push(mb);
    }
  }
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * A Temporal call that gives up on interrupt (Ctrl-C also stops the dev server, which is in the same
 * process group, and the client would otherwise keep retrying) or after `ms`. Each call gets its
 * own signal, so no listener piles up on the run's long-lived one.
 */
export async function bounded<T>(
  client: Client,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
  ms = 15_000,
): Promise<T> {
  const own = new AbortController();
  const abort = () => own.abort();
  if (signal?.aborted) own.abort();
  else signal?.addEventListener('abort', abort, { once: true });
  try {
    return await client.withDeadline(Date.now() + ms, () => client.withAbortSignal(own.signal, fn));
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
