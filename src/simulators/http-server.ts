import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Faults, FaultConfig } from './faults';

/**
 * The small HTTP layer every simulator shares: routing by method + regex, JSON bodies, the fault
 * injection gate, and the `/_sim/faults` admin endpoint. Each simulator supplies its own error
 * shapes (Sitoo `{statuscode, errortext}`, OData `{error:{code,message}}`, GraphQL `errors[]`).
 */
export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Raw body text (webhook signatures and form posts need it). */
  rawBody: string;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  body: unknown;
  params: string[];
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

export interface SimRoute {
  method: string;
  pattern: RegExp;
  handler: SimHandler;
  /** Writes may be applied and have their response lost when that fault is on. */
  write?: boolean;
}

export interface SimServerOptions {
  name: string;
  routes: SimRoute[];
  faults: Faults;
  /** The response a fault produces, in this API's own error shape. */
  faultResponse: (kind: 'error' | 'throttle' | 'outage' | 'lost', faults: FaultConfig) => SimResponse;
  /** Response for an unknown route, in this API's own error shape. */
  notFound: (req: SimRequest) => SimResponse;
  /** Runs before routing (authentication). Returning a response short-circuits the request. */
  before?: (req: SimRequest) => SimResponse | undefined;
  /**
   * Requests the API accepts at once (being processed or queued); beyond it, `overloaded` answers.
   * Business Central online: 100, then 429.
   */
  maxInFlight?: { limit: number; overloaded: () => SimResponse };
  port?: number;
  /** Default loopback; a container listens on every interface (`0.0.0.0`) for its neighbours. */
  host?: string;
}

/** Requests between arrival and answer, now and at the most: what a client's concurrency looks like to the API. */
export interface SimLoad {
  inFlight: number;
  peakInFlight: number;
  refusedOverloaded: number;
}

export interface RunningSim {
  url: string;
  port: number;
  server: Server;
  load: SimLoad;
  close(): Promise<void>;
}

export async function startSimServer(opts: SimServerOptions): Promise<RunningSim> {
  const load: SimLoad = { inFlight: 0, peakInFlight: 0, refusedOverloaded: 0 };
  const server = createServer((req, res) => {
    void handle(opts, load, req, res).catch((err: unknown) => {
      if (!res.headersSent)
        write(res, { status: 500, body: { message: `${opts.name} simulator bug: ${String(err)}` } });
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    load,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(opts: SimServerOptions, load: SimLoad, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://sim');
  let body: unknown;
  try {
    body = rawBody ? JSON.parse(rawBody) : undefined;
  } catch {
    body = undefined;
  }
  const simReq: SimRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    rawBody,
    body,
    params: [],
  };

  // The admin endpoint bypasses faults and auth: the test harness must always be able to switch faults off.
  if (simReq.path === '/_sim/faults') {
    if (simReq.method === 'POST') {
      try {
        write(res, { status: 200, body: opts.faults.set((body ?? {}) as Partial<FaultConfig>) });
      } catch (err) {
        write(res, { status: 400, body: { message: String(err) } });
      }
    } else {
      write(res, { status: 200, body: { config: opts.faults.current, counters: opts.faults.counters } });
    }
    return;
  }

  if (opts.maxInFlight && load.inFlight >= opts.maxInFlight.limit) {
    load.refusedOverloaded++;
    write(res, opts.maxInFlight.overloaded());
    return;
  }
  load.inFlight++;
  load.peakInFlight = Math.max(load.peakInFlight, load.inFlight);
  try {
    await serve(opts, simReq, req, res);
  } finally {
    load.inFlight--;
  }
}

async function serve(
  opts: SimServerOptions,
  simReq: SimRequest,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  await opts.faults.delay();
  const decision = opts.faults.decide();
  if (decision !== 'pass') {
    write(res, opts.faultResponse(decision, opts.faults.current));
    return;
  }

  const denied = opts.before?.(simReq);
  if (denied) {
    write(res, denied);
    return;
  }

  for (const route of opts.routes) {
    if (route.method !== simReq.method) continue;
    const match = route.pattern.exec(simReq.path);
    if (!match) continue;
    simReq.params = match.slice(1).map((p) => decodeURIComponent(p ?? ''));
    // Held in the "queue" past the client's patience, then applied all the same: the caller that
    // gave up may look, find nothing, and create again unless it guards against late commits.
    const late = route.write && opts.faults.commitLate();
    if (late) await new Promise((r) => setTimeout(r, opts.faults.current.lateCommitDelayMs));
    const response = await route.handler(simReq);
    if (late) opts.faults.counters.lateCommitsApplied++;
    if (route.write && response.status < 300 && opts.faults.loseResponse()) {
      // Applied, but the caller never learns it: half the time a 502 from a "gateway", half the time a dead socket.
      if (opts.faults.counters.lostResponses % 2 === 0) {
        write(res, opts.faultResponse('lost', opts.faults.current));
      } else {
        req.socket.destroy();
      }
      return;
    }
    write(res, response);
    return;
  }
  write(res, opts.notFound(simReq));
}

function write(res: ServerResponse, r: SimResponse): void {
  const headers: Record<string, string> = { ...r.headers };
  let payload = '';
  if (r.body !== undefined) {
    payload = typeof r.body === 'string' && headers['content-type'] ? r.body : JSON.stringify(r.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  res.writeHead(r.status, headers);
  res.end(payload);
}

/** The Basic credentials header, as the simulated services check it and Sitoo's event delivery sends it. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Counts one request under `METHOD /path`, numbers and GUIDs in the path as `:id`, so a map stays small. */
export function countRequest(counts: Map<string, number>, method: string, path: string): void {
  const key = `${method} ${path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}|\d+/gi, ':id')}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
