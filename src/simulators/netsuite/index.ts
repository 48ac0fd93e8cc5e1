import { Faults, type FaultConfig } from '../faults';
import { startSimServer, type SimLoad, type SimRequest, type SimResponse } from '../http-server';
import { NetSuiteAuth, type M2mCredentials, type TbaCredentials } from './auth';
import { nsError } from './errors';
import { RECORD_PREFIX, recordRoutes } from './records';
import { NetSuiteState } from './state';
import { SUITEQL_PATH, suiteqlHandler } from './suiteql';

export { NetSuiteState } from './state';
export type { NsTransaction, NsLine, NetSuiteFlags } from './state';
export { NetSuiteAuth, tbaSignature, type M2mCredentials, type TbaCredentials } from './auth';

export const TOKEN_PATH = '/services/rest/auth/oauth2/v1/token';

export interface NetSuiteSimulatorOptions {
  port?: number;
  host?: string;
  /** The account id, also the TBA realm. Default `1234567_SB1`. */
  accountId?: string;
  /** OAuth 2.0 M2M: the integration's client id and the uploaded certificate. Absent: OAuth 2.0 is refused. */
  m2m?: M2mCredentials;
  /** Token-based authentication credentials. Absent: TBA is refused. */
  tba?: TbaCredentials;
  tokenLifetimeSeconds?: number;
  tbaSkewSeconds?: number;
  /**
   * The account's concurrency limit (reference §7: 5 on a standard/shared account): requests beyond
   * it are refused at once with 429 CONCURRENCY_LIMIT_EXCEEDED, never queued.
   */
  concurrencyLimit?: number;
  faults?: Faults | Partial<FaultConfig>;
  seed?: number;
  now?: () => number;
}

export interface NetSuiteSimulator {
  url: string;
  accountId: string;
  tokenUrl: string;
  state: NetSuiteState;
  auth: NetSuiteAuth;
  faults: Faults;
  load: SimLoad;
  close(): Promise<void>;
}

/**
 * SuiteTalk REST on one loopback server: record service, SuiteQL and the OAuth 2.0 token endpoint,
 * behind the shared fault injection (an outage fails token requests too).
 */
export async function startNetSuiteSimulator(opts: NetSuiteSimulatorOptions = {}): Promise<NetSuiteSimulator> {
  const accountId = opts.accountId ?? '1234567_SB1';
  const now = opts.now ?? Date.now;
  const faults = opts.faults instanceof Faults ? opts.faults : new Faults(opts.faults ?? {}, opts.seed ?? 42);
  const state = new NetSuiteState();
  const auth = new NetSuiteAuth({
    accountId,
    m2m: opts.m2m,
    tba: opts.tba,
    tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? 3600,
    tbaSkewSeconds: opts.tbaSkewSeconds ?? 300,
    now,
  });
  let url = '';

  const before = (req: SimRequest): SimResponse | undefined => {
    if (req.path === TOKEN_PATH) return undefined;
    state.requestLog.push({ method: req.method, path: req.path, query: req.query.toString() });
    if (state.requestLog.length > 5000) state.requestLog.shift();
    // TBA signs the URL the client called; the Host header is what it called.
    return auth.check(req, `http://${String(req.headers.host ?? '')}`);
  };

  const faultResponse = (kind: 'error' | 'throttle' | 'outage' | 'lost', cfg: FaultConfig): SimResponse => {
    switch (kind) {
      case 'throttle':
        return nsError(429, 'CONCURRENCY_LIMIT_EXCEEDED', 'Concurrent request limit exceeded. Request blocked.', {
          headers: { 'retry-after': String(cfg.retryAfterSeconds) },
        });
      case 'error':
        return nsError(
          500,
          'UNEXPECTED_ERROR',
          `An unexpected error occurred. Error ID: sim${Math.floor(now() % 1e8).toString(36)}`,
        );
      case 'outage':
        return nsError(503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable.');
      case 'lost':
        return { status: 502, body: 'Bad Gateway', headers: { 'content-type': 'text/html' } };
    }
  };

  const sim = await startSimServer({
    name: 'netsuite',
    routes: [
      { method: 'POST', pattern: new RegExp(`^${TOKEN_PATH}$`), handler: (req) => auth.token(req) },
      { method: 'POST', pattern: new RegExp(`^${SUITEQL_PATH}$`), handler: suiteqlHandler(state) },
      ...recordRoutes(state, () => url),
    ],
    faults,
    faultResponse,
    notFound: (req) =>
      nsError(
        404,
        'NONEXISTENT_ID',
        `No such resource: ${req.method} ${req.path}${req.path.startsWith(RECORD_PREFIX) ? '' : ' (not a SuiteTalk REST path)'}`,
      ),
    before,
    maxInFlight: {
      limit: opts.concurrencyLimit ?? 5,
      overloaded: () =>
        nsError(429, 'CONCURRENCY_LIMIT_EXCEEDED', 'Concurrent request limit exceeded. Request blocked.'),
    },
    port: opts.port,
    host: opts.host,
  });
  url = sim.url;
  auth.tokenUrl = `${sim.url}${TOKEN_PATH}`;
  return {
    url: sim.url,
    accountId,
    tokenUrl: auth.tokenUrl,
    state,
    auth,
    faults,
    load: sim.load,
    close: () => sim.close(),
  };
}
