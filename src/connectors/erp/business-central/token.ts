import type { Dispatcher } from 'undici';
import { parseBody, send, throwForStatus } from '../../http';
import { tokenErrorSchema, tokenResponseSchema } from './schemas';

export interface ClientCredentialsOptions {
  system: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  timeoutMs?: number;
  now?: () => number;
  dispatcher?: Dispatcher;
}

/**
 * OAuth2 client-credentials token cache. Refreshes ahead of expiry (a tenth of the lifetime,
 * at most five minutes) so a request is not sent with a token that dies in flight, and shares
 * one in-flight fetch between concurrent callers so a burst does not hammer the token endpoint.
 */
export class ClientCredentialsToken {
  private current?: { token: string; refreshAt: number };
  private pending?: Promise<string>;
  private readonly now: () => number;

  constructor(private readonly opts: ClientCredentialsOptions) {
    this.now = opts.now ?? Date.now;
  }

  async get(): Promise<string> {
    if (this.current && this.now() < this.current.refreshAt) return this.current.token;
    // The shared fetch is bounded by its own timeout, not by any one caller's abort signal.
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Drops the token the API refused, unless a newer one already replaced it. */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private async fetch(): Promise<string> {
    const { system, tokenUrl, clientId, clientSecret, scope } = this.opts;
    const call = { system, method: 'POST' as const, url: tokenUrl };
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      scope,
    });
    const startedAt = this.now();
    const res = await send({
      ...call,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      timeoutMs: this.opts.timeoutMs,
      dispatcher: this.opts.dispatcher,
    });
    if (res.status >= 400) {
      const parsed = tokenErrorSchema.safeParse(safeJson(res.text));
      const code = parsed.success ? parsed.data.error : undefined;
      // Only the first line of Entra's description: the rest is trace ids and timestamps.
      const description = parsed.success
        ? (parsed.data.error_description ?? '').split(/\r?\n/)[0]
        : res.text.slice(0, 200);
      throwForStatus(call, res, {
        code,
        message: `authentication failed at the token endpoint: ${redact(description ?? '', clientSecret)}`,
      });
    }
    const body = parseBody(system, res.text, tokenResponseSchema);
    const lifetimeMs = body.expires_in * 1000;
    const margin = Math.min(300_000, lifetimeMs / 10);
    this.current = { token: body.access_token, refreshAt: startedAt + lifetimeMs - margin };
    return body.access_token;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Removes a credential from text that is about to become an error message. */
export function redact(text: string, ...secrets: (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}
