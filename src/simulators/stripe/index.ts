import { Faults, type FaultConfig } from '../faults';
import { startSimServer, type SimRequest, type SimResponse } from '../http-server';
import { stripeRoutes } from './routes';
import { StripeState, type FeeSchedule } from './state';
import { stripeError } from './wire';

export { StripeState, DEFAULT_FEE, dayStart } from './state';
export type {
  FeeSchedule,
  RunPayoutInput,
  StripeBalanceTransaction,
  StripeCharge,
  StripePayout,
  StripePayoutStatus,
  StripeRefund,
  ReconciliationStatus,
} from './state';

export interface StripeSimulatorOptions {
  port?: number;
  /** The interface to listen on (default loopback). */
  host?: string;
  /** The only key accepted (Bearer, or Basic with the key as user name, as Stripe allows). */
  secretKey?: string;
  fee?: FeeSchedule;
  availabilityDelayDays?: number;
  /** Requests per second before a 429, as Stripe's test mode limiter (25/s); off by default. */
  rateLimitPerSecond?: number;
  faults?: Faults | Partial<FaultConfig>;
  /** Seeds ids and the fault PRNG, so demo and benchmark runs repeat. */
  seed?: number;
  /** Decides balance transaction `status` (available/pending); tests may pin it. */
  now?: () => number;
}

export interface StripeSimulator {
  /** What a client takes as its base URL (it appends /v1/...); `/_sim/faults` lives here too. */
  url: string;
  secretKey: string;
  state: StripeState;
  faults: Faults;
  close(): Promise<void>;
}

export const DEFAULT_SECRET_KEY = 'sk_test_51SimulatorKey0000000000000000';

export async function startStripeSimulator(opts: StripeSimulatorOptions = {}): Promise<StripeSimulator> {
  const secretKey = opts.secretKey ?? DEFAULT_SECRET_KEY;
  const now = opts.now ?? Date.now;
  const faults = opts.faults instanceof Faults ? opts.faults : new Faults(opts.faults ?? {}, opts.seed ?? 42);
  const state = new StripeState({ seed: opts.seed, fee: opts.fee, availabilityDelayDays: opts.availabilityDelayDays });
  let requests = 0;
  const requestId = () => `req_sim${String(++requests).padStart(10, '0')}`;
  const window = { second: 0, count: 0 };

  const before = (req: SimRequest): SimResponse | undefined => {
    if (!req.path.startsWith('/v1/')) return undefined;
    const key = presentedKey(String(req.headers['authorization'] ?? ''));
    if (!key) {
      return stripeError(
        401,
        'invalid_request_error',
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      );
    }
    // Stripe masks all but the last four characters of a wrong key in its answer.
    if (key !== secretKey)
      return stripeError(401, 'invalid_request_error', `Invalid API Key provided: ${mask(key)}`, {
        code: 'api_key_invalid',
      });
    if (opts.rateLimitPerSecond !== undefined) {
      const second = Math.floor(now() / 1000);
      if (second !== window.second) Object.assign(window, { second, count: 0 });
      if (++window.count > opts.rateLimitPerSecond) return rateLimited(1);
    }
    state.requestLog.push({ method: req.method, path: req.path, query: req.query.toString() });
    if (state.requestLog.length > 10_000) state.requestLog.shift();
    return undefined;
  };

  const faultResponse = (kind: 'error' | 'throttle' | 'outage' | 'lost', cfg: FaultConfig): SimResponse => {
    switch (kind) {
      case 'throttle':
        return rateLimited(cfg.retryAfterSeconds);
      case 'error':
        return stripeError(500, 'api_error', 'An unknown error occurred while processing your request.', {
          headers: { 'stripe-should-retry': 'true' },
        });
      case 'outage':
        return stripeError(503, 'api_error', 'Stripe is temporarily unavailable. Please try again later.', {
          headers: { 'retry-after': String(cfg.retryAfterSeconds) },
        });
      case 'lost':
        return { status: 502, body: 'Bad Gateway', headers: { 'content-type': 'text/plain' } };
    }
  };

  const notFound = (req: SimRequest): SimResponse =>
    stripeError(
      404,
      'invalid_request_error',
      `Unrecognized request URL (${req.method}: ${req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    );

  const sim = await startSimServer({
    name: 'stripe',
    routes: stripeRoutes({ state, now, requestId }),
    faults,
    faultResponse,
    notFound,
    before,
    port: opts.port,
    host: opts.host,
  });
  return { url: sim.url, secretKey, state, faults, close: () => sim.close() };
}

function rateLimited(retryAfterSeconds: number): SimResponse {
  return stripeError(
    429,
    'invalid_request_error',
    'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
    {
      code: 'rate_limit',
      headers: { 'retry-after': String(retryAfterSeconds), 'stripe-should-retry': 'true' },
    },
  );
}

function presentedKey(header: string): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  return basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0] || undefined : undefined;
}

function mask(key: string): string {
  const prefix = /^(sk|rk)_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
}
