import { randomBytes } from 'node:crypto';
import { Faults, type FaultConfig } from '../faults';
import { startSimServer, type SimResponse } from '../http-server';

/**
 * Slack-style incoming webhooks for the teams that own exceptions: `POST /services/<team>/<secret>`
 * with `{"text": ...}`. As Slack does: an unknown or revoked URL gets 404 `no_service`, a body
 * without text 400 `no_text`, more than one message a second to a webhook 429 with Retry-After
 * (switchable, as every fault), and a good one 200 `ok`. Teams' incoming webhooks take the same body.
 */
export interface PostedMessage {
  team: string;
  text: string;
  at: number;
}

export interface TeamWebhooksSimulator {
  /** Each team's webhook URL, as TEAM_WEBHOOK_URLS takes them. */
  urls: Record<string, string>;
  messages: PostedMessage[];
  faults: Faults;
  /** Slack's limit of one message a second per webhook (429 beyond); off by default. */
  rateLimit: { enabled: boolean };
  close(): Promise<void>;
}

export async function startTeamWebhooksSimulator(opts: {
  teams: readonly string[];
  port?: number;
  host?: string;
  faults?: Partial<FaultConfig>;
  seed?: number;
}): Promise<TeamWebhooksSimulator> {
  const secrets = new Map(opts.teams.map((team) => [team, randomBytes(12).toString('hex')]));
  const messages: PostedMessage[] = [];
  const faults = new Faults(opts.faults ?? {}, opts.seed ?? 42);
  const rateLimit = { enabled: false };
  const lastPost = new Map<string, number>();
  const text = (status: number, body: string, headers?: Record<string, string>): SimResponse => ({
    status,
    body,
    headers: { 'content-type': 'text/plain', ...headers },
  });
  const sim = await startSimServer({
    name: 'team webhooks',
    port: opts.port,
    host: opts.host,
    faults,
    faultResponse: (kind, f) =>
      kind === 'throttle'
        ? text(429, 'rate_limited', { 'retry-after': String(f.retryAfterSeconds) })
        : text(kind === 'outage' ? 503 : 500, 'service_unavailable'),
    notFound: () => text(404, 'no_service'),
    routes: [
      {
        method: 'POST',
        pattern: /^\/services\/([^/]+)\/([^/]+)$/,
        write: true,
        handler: (req) => {
          const [team, secret] = req.params as [string, string];
          if (secrets.get(team) !== secret) return text(404, 'no_service');
          const body = req.body as { text?: unknown } | undefined;
          if (typeof body?.text !== 'string' || body.text.trim() === '') return text(400, 'no_text');
          const now = Date.now();
          if (rateLimit.enabled && now - (lastPost.get(team) ?? 0) < 1000)
            return text(429, 'rate_limited', { 'retry-after': '1' });
          lastPost.set(team, now);
          messages.push({ team, text: body.text, at: now });
          return text(200, 'ok');
        },
      },
    ],
  });
  const urls = Object.fromEntries(
    [...secrets].map(([team, secret]) => [team, `${sim.url}/services/${team}/${secret}`]),
  );
  return { urls, messages, faults, rateLimit, close: () => sim.close() };
}
