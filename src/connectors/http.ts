import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { request, type Dispatcher } from 'undici';
import type { z } from 'zod';

/**
 * One error model for every outside system, so activities can decide "retry" or "park" without
 * knowing which API they talked to.
 *  - TransientError: 5xx, 429, 408, timeouts, connection failures. Temporal retries these.
 *  - PermanentError: any other refusal. Retrying cannot help; the workflow parks or fails.
 */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(
    message: string,
    readonly system: string,
    readonly status?: number,
    /** How long the server asked us to wait (Retry-After, or computed from a throttle budget). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(
    message: string,
    readonly system: string,
    readonly status: number,
    /** The API's own error code (OData `error.code`, Shopify `extensions.code`, ...). */
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface HttpCall {
  system: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** JSON-serialised unless it is already a string (form bodies). */
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** A no-op until the process registers a tracer provider (src/bootstrap/tracing.ts). */
const tracer = trace.getTracer('retail-integration/connectors');

/** Parses Retry-After given in seconds (possibly fractional, as Shopify sends "2.0") or as an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Sends one request and returns the raw response for any HTTP status. Network failures and
 * timeouts become TransientError: from the caller's side a write that timed out may or may not
 * have happened, so callers of non-idempotent writes must look up before retrying.
 *
 * Each request is a client span under the activity's, and carries the trace on in a W3C
 * `traceparent` header; with no tracing in the process both are no-ops.
 */
export async function send(call: HttpCall): Promise<HttpResponse> {
  return tracer.startActiveSpan(`${call.method} ${call.system}`, { kind: SpanKind.CLIENT }, async (span) => {
    if (span.isRecording()) {
      const target = URL.canParse(call.url) ? new URL(call.url) : undefined;
      span.setAttributes({
        'http.request.method': call.method,
        'retail.system': call.system,
        ...(target && { 'server.address': target.hostname, 'url.path': target.pathname }),
      });
    }
    try {
      const res = await sendNow(call);
      span.setAttribute('http.response.status_code', res.status);
      if (res.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
      return res;
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

async function sendNow(call: HttpCall): Promise<HttpResponse> {
  const timeoutMs = call.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
  propagation.inject(context.active(), headers);
  let body: string | undefined;
  if (call.body !== undefined) {
    body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    headers['content-type'] ??= 'application/json';
  }
  const signals = [AbortSignal.timeout(timeoutMs), ...(call.signal ? [call.signal] : [])];
  try {
    const res = await request(call.url, {
      method: call.method,
      headers,
      body,
      signal: AbortSignal.any(signals),
      dispatcher: call.dispatcher,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  } catch (err) {
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new TransientError(`${call.system} ${call.method} ${redactUrl(call.url)} failed: ${reason}`, call.system);
  }
}

/** Throws the right error class for a non-2xx response. `code`/`message` come from the API's error body. */
export function throwForStatus(
  call: Pick<HttpCall, 'system' | 'method' | 'url'>,
  res: HttpResponse,
  detail?: { code?: string; message?: string },
): never {
  const what = `${call.system} ${call.method} ${redactUrl(call.url)} -> ${res.status}${detail?.code ? ` ${detail.code}` : ''}${detail?.message ? `: ${detail.message}` : ''}`;
  if (isTransientStatus(res.status)) {
    throw new TransientError(what, call.system, res.status, parseRetryAfter(res.headers['retry-after']));
  }
  throw new PermanentError(what, call.system, res.status, detail?.code);
}

export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Parses a JSON body with a zod schema; a body that does not match is the outside system's fault, named precisely. */
export function parseBody<T>(system: string, text: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = text.length ? JSON.parse(text) : undefined;
  } catch {
    throw new PermanentError(
      `${system} returned a body that is not JSON: ${text.slice(0, 120)}`,
      system,
      200,
      'InvalidJson',
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    throw new PermanentError(
      `${system} response did not match the expected shape at ${path}: ${issue?.message}`,
      system,
      200,
      'UnexpectedResponse',
    );
  }
  return parsed.data;
}

/** Never put credentials that arrive in query strings into logs or error messages. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:access_token|client_secret|password|token)=)[^&]*/gi, '$1[redacted]');
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
