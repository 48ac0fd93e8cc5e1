import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';

/**
 * The HTTP plumbing both receivers share. They face the internet (Sitoo and Shopify call them),
 * so a connection, its headers and its body are all bounded, and refusing something never
 * costs more than it has to: a too-large body is refused by its Content-Length before it is
 * read, and the answer reaches the client instead of being lost in a reset.
 */
export interface ServerLimits {
  /** Open connections at once; past it Node closes new ones at once, unanswered. */
  maxConnections: number;
  /** The request head must have arrived within this (408 otherwise). */
  headersTimeoutMs: number;
  /** The whole request must have arrived within this (408 otherwise); our own processing is not counted. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Requests on one connection; the last one is answered with `Connection: close`. */
  maxRequestsPerSocket: number;
  /** How often Node checks the two timeouts above (their precision). */
  connectionsCheckingIntervalMs: number;
}

/**
 * Sitoo sends one batch at a time per stream, Shopify a handful of webhooks at once: 256
 * connections is ample and keeps a flood from exhausting file descriptors. Sitoo gives up after
 * 15 s and Shopify after 5 s, so a request still arriving after 30 s serves nobody.
 */
export const DEFAULT_LIMITS: ServerLimits = {
  maxConnections: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 1_000,
  connectionsCheckingIntervalMs: 1_000,
};

/** JSON answers for the receivers; a 4xx body names the field it refuses. */
export function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** The client hung up before its request was read: its business, not an error of ours. */
export class ClientGone extends Error {
  override readonly name = 'ClientGone';
}

/**
 * A server whose handler errors are logged and answered 503, except a client that went away,
 * which is a debug line; connections refused at the cap are counted.
 *
 * `close(graceMs)` drains: it stops listening (a new connection is refused, an idle keep-alive
 * one closed), answers a request that still arrives on an open connection 503 with Retry-After,
 * lets every request already accepted finish and answers it with `Connection: close`, and only
 * when they are done, or the grace is over, closes what is left. Sitoo and Shopify resend what
 * was refused; an accepted batch cut off mid-way would be resent too, but after its starts had
 * reached Temporal, which is what the grace avoids.
 */
export function createReceiverServer(
  name: string,
  logger: Logger,
  limits: Partial<ServerLimits> | undefined,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
) {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const connections = { refused: 0 };
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  let settled: (() => void) | undefined;
  const server: Server = createServer(
    {
      headersTimeout: l.headersTimeoutMs,
      requestTimeout: l.requestTimeoutMs,
      keepAliveTimeout: l.keepAliveTimeoutMs,
      connectionsCheckingInterval: l.connectionsCheckingIntervalMs,
    },
    (req, res) => {
      if (draining) {
        res.shouldKeepAlive = false;
        reply(res, 503, { error: 'shutting down, retry' }, { 'retry-after': '5' });
        req.resume();
        return;
      }
      inFlight.add(res);
      res.once('close', () => {
        inFlight.delete(res);
        if (inFlight.size === 0) settled?.();
      });
      handle(req, res).catch((err: unknown) => {
        if (err instanceof ClientGone) {
          logger.debug(
            { remote: req.socket?.remoteAddress, reason: err.message },
            `${name}: client went away before its request was read`,
          );
          return;
        }
        logger.error({ err: (err as Error).message }, `${name} failed`);
        if (!res.headersSent) reply(res, 503, { error: 'temporarily unavailable, retry' });
      });
    },
  );
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.maxConnections = l.maxConnections;
  server.maxRequestsPerSocket = l.maxRequestsPerSocket;
  server.on('drop', () => {
    connections.refused++;
    logger.debug({ maxConnections: l.maxConnections }, `${name}: connection refused at the cap`);
  });
  return {
    server,
    connections,
    async listen(port: number, host = '127.0.0.1'): Promise<string> {
      await new Promise<void>((ok, fail) => {
        server.once('error', fail);
        server.listen(port, host, () => ok());
      });
      return `http://${host}:${(server.address() as AddressInfo).port}`;
    },
    /** Drains (see above) for at most `graceMs`, then closes every connection left. */
    async close(graceMs = DEFAULT_SHUTDOWN_GRACE_MS): Promise<void> {
      draining = true;
      // The answers still to come close their connection instead of keeping it alive.
      for (const res of inFlight) res.shouldKeepAlive = false;
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      if (inFlight.size > 0) {
        logger.info({ inFlight: inFlight.size, graceMs }, `${name}: finishing requests in flight`);
        let timer: NodeJS.Timeout | undefined;
        const done = await Promise.race([
          new Promise<boolean>((ok) => (settled = () => ok(true))),
          new Promise<boolean>((ok) => (timer = setTimeout(() => ok(false), graceMs))),
        ]);
        clearTimeout(timer);
        if (!done) logger.warn({ inFlight: inFlight.size, graceMs }, `${name}: grace over; closing requests in flight`);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A no-op until the process registers a tracer provider (src/bootstrap/tracing.ts). */
const tracer = trace.getTracer('retail-integration/receivers');

/**
 * Handles one request in a server span, the root of the trace its starts and signals carry into
 * the workflows, and tells `acknowledged` how long a 200 took. A new trace each time: a
 * `traceparent` from the internet is not ours to continue (it is not signed).
 */
export function receiving(
  name: string,
  res: ServerResponse,
  handle: () => Promise<void>,
  acknowledged?: (seconds: number) => void,
): Promise<void> {
  const started = performance.now();
  return tracer.startActiveSpan(name, { kind: SpanKind.SERVER }, ROOT_CONTEXT, async (span) => {
    try {
      await handle();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      if (res.statusCode === 200) acknowledged?.((performance.now() - started) / 1000);
    }
  });
}

/** RECEIVER_SHUTDOWN_GRACE's default: Kubernetes' default termination grace is 30 s. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 20_000;

/** False for a Content-Type other than JSON. A missing one is let through: the body must still parse as JSON. */
export function isJsonContentType(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (type === undefined) return true;
  return /^application\/json\s*(;|$)/i.test(type.trim());
}

export function refuseContentType(req: IncomingMessage, res: ServerResponse, limit: number): void {
  answerBeforeBody(req, res, limit, 415, { error: 'Content-Type must be application/json', field: 'Content-Type' });
}

/** The declared Content-Length when it is over the limit (the body need not be read to refuse it). */
export function declaredTooLarge(req: IncomingMessage, limit: number): number | undefined {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > limit ? declared : undefined;
}

/**
 * Answers now, whatever is still on its way, and keeps the connection usable: the rest of the
 * body is read and dropped (at most 4x the limit), so Node never closes a socket with unread
 * bytes in it, which the client would see as a reset, often before it has read our answer.
 * A client that announces more than that gets `Connection: close` instead: it receives the
 * answer and then a clean close; one that keeps pushing megabytes after that may see a reset.
 */
export function answerBeforeBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const budget = 4 * limit;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > budget) {
    req.resume();
    reply(res, status, body, { ...headers, connection: 'close' });
    return;
  }
  discard(req, budget);
  reply(res, status, body, headers);
}

export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  answerBeforeBody(req, res, limit, 413, { error: `body larger than ${limit} bytes`, field: 'Content-Length' });
}

function discard(req: IncomingMessage, budget: number): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > budget) req.socket?.destroy();
  });
  req.on('error', () => {}); // the client going away while we drop its body is nothing to report
  req.resume();
}

export type BodyRead = { body: Buffer } | { tooLarge: true };

/**
 * The raw body (signatures are computed over the exact bytes), each chunk also handed to
 * `onChunk` as it arrives. Past the limit the rest is dropped (see answerBeforeBody) and
 * `tooLarge` returned; a client that hangs up throws ClientGone.
 */
export function readBody(req: IncomingMessage, limit: number, onChunk?: (chunk: Buffer) => void): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        resolve({ tooLarge: true });
        return;
      }
      onChunk?.(chunk);
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve({ body: Buffer.concat(chunks, size) });
    };
    const onError = (err: Error) => {
      done();
      reject(new ClientGone(err.message));
    };
    const onClose = () => {
      done();
      reject(new ClientGone('connection closed mid-body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
