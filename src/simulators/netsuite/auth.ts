import { createHmac, createPublicKey, randomBytes, verify, constants, type KeyObject } from 'node:crypto';
import type { SimRequest, SimResponse } from '../http-server';
import { nsError } from './errors';

/**
 * NetSuite's two ways in (reference §2): OAuth 2.0 client credentials with a JWT assertion signed
 * by the integration's certificate key, and token-based authentication (OAuth 1.0a, HMAC-SHA256).
 * Each is switchable; a refusal is 401 INVALID_LOGIN and, as in NetSuite, says no more than that
 * (the reason goes to the login audit trail, here `auditTrail`).
 */
export interface M2mCredentials {
  clientId: string;
  /** The certificate id NetSuite gave the uploaded certificate: the JWT's `kid`. */
  certificateId: string;
  /** The certificate's public key (PEM or KeyObject), EC P-256 or RSA. */
  publicKey: string | KeyObject;
}

export interface TbaCredentials {
  consumerKey: string;
  consumerSecret: string;
  tokenId: string;
  tokenSecret: string;
}

export interface NetSuiteAuthOptions {
  accountId: string;
  m2m?: M2mCredentials;
  tba?: TbaCredentials;
  tokenLifetimeSeconds: number;
  /** How far an OAuth 1.0a timestamp may stray from the server's clock (NOT FOUND in Oracle's docs). */
  tbaSkewSeconds: number;
  now: () => number;
}

/** JWS algorithms NetSuite lists for the assertion; RS256 is not among them. */
const ALGS: Record<string, { hash: string; kind: 'ec' | 'pss' }> = {
  ES256: { hash: 'sha256', kind: 'ec' },
  ES384: { hash: 'sha384', kind: 'ec' },
  ES512: { hash: 'sha512', kind: 'ec' },
  PS256: { hash: 'sha256', kind: 'pss' },
  PS384: { hash: 'sha384', kind: 'pss' },
  PS512: { hash: 'sha512', kind: 'pss' },
};

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export class NetSuiteAuth {
  /** Switchable at run time: which schemes the account accepts. */
  allowM2m: boolean;
  allowTba: boolean;
  tokenLifetimeSeconds: number;
  /** Set once the server listens: the assertion's `aud` must be this URL. */
  tokenUrl = '';
  readonly counters = { tokensIssued: 0, rejected: 0 };
  /** Why logins failed, as NetSuite's Login Audit Trail would say (never in the response). */
  readonly auditTrail: string[] = [];
  private readonly tokens = new Map<string, number>();
  private readonly nonces = new Set<string>();
  private readonly publicKey?: KeyObject;

  constructor(private readonly opts: NetSuiteAuthOptions) {
    this.allowM2m = !!opts.m2m;
    this.allowTba = !!opts.tba;
    this.tokenLifetimeSeconds = opts.tokenLifetimeSeconds;
    if (opts.m2m)
      this.publicKey =
        typeof opts.m2m.publicKey === 'string' ? createPublicKey(opts.m2m.publicKey) : opts.m2m.publicKey;
  }

  revokeAll(): void {
    this.tokens.clear();
  }

  /** `POST /services/rest/auth/oauth2/v1/token`. */
  token(req: SimRequest): SimResponse {
    const refuse = (why: string) => this.refuse(`token: ${why}`);
    if (!this.allowM2m || !this.opts.m2m || !this.publicKey) return refuse('OAuth 2.0 is not enabled');
    const form = new URLSearchParams(req.rawBody);
    if (form.get('grant_type') !== 'client_credentials') return refuse('grant_type is not client_credentials');
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) return refuse('wrong client_assertion_type');
    const parts = (form.get('client_assertion') ?? '').split('.');
    if (parts.length !== 3) return refuse('the assertion is not a JWT');
    const [h, p, s] = parts as [string, string, string];
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
      payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return refuse('the assertion does not decode');
    }
    const alg = ALGS[String(header.alg)];
    if (!alg) return refuse(`algorithm ${String(header.alg)} is not accepted`);
    if (header.kid !== this.opts.m2m.certificateId) return refuse('InvalidCertificateId (kid)');
    const ok = verify(
      alg.hash,
      Buffer.from(`${h}.${p}`),
      alg.kind === 'ec'
        ? { key: this.publicKey, dsaEncoding: 'ieee-p1363' }
        : {
            key: this.publicKey,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
          },
      Buffer.from(s, 'base64url'),
    );
    if (!ok) return refuse('InvalidSignature');
    if (payload.iss !== this.opts.m2m.clientId) return refuse('InvalidClientId (iss)');
    if (payload.aud !== this.tokenUrl) return refuse(`InvalidAudience: ${String(payload.aud)}`);
    const scopes = Array.isArray(payload.scope) ? payload.scope.map(String) : String(payload.scope ?? '').split(',');
    if (!scopes.map((x) => x.trim()).includes('rest_webservices')) return refuse('scope lacks rest_webservices');
    const nowS = Math.floor(this.opts.now() / 1000);
    const iat = Number(payload.iat);
    const exp = Number(payload.exp);
    if (!Number.isFinite(iat) || !Number.isFinite(exp)) return refuse('iat/exp missing');
    if (exp <= nowS) return refuse('AssertionExpired');
    if (exp - iat > 3600) return refuse('assertion lifetime over 60 minutes');
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, this.opts.now() + this.tokenLifetimeSeconds * 1000);
    this.counters.tokensIssued++;
    return {
      status: 200,
      body: { access_token: token, expires_in: this.tokenLifetimeSeconds, token_type: 'bearer' },
    };
  }

  /** The check in front of the record and query services. */
  check(req: SimRequest, origin: string): SimResponse | undefined {
    const authz = String(req.headers.authorization ?? '');
    if (authz.startsWith('Bearer ')) {
      if (!this.allowM2m) return this.refuse('bearer tokens are not accepted');
      const expiresAt = this.tokens.get(authz.slice(7));
      if (expiresAt === undefined) return this.refuse('unknown access token');
      if (expiresAt <= this.opts.now()) return this.refuse('AccessTokenExpired');
      return undefined;
    }
    if (authz.startsWith('OAuth ')) {
      if (!this.allowTba || !this.opts.tba) return this.refuse('token-based authentication is not enabled');
      return this.checkTba(req, origin, authz.slice(6));
    }
    return this.refuse('no Authorization header');
  }

  private checkTba(req: SimRequest, origin: string, header: string): SimResponse | undefined {
    const tba = this.opts.tba!;
    const fields = new Map<string, string>();
    for (const m of header.matchAll(/([a-z_]+)="([^"]*)"/g)) fields.set(m[1]!, decodeURIComponent(m[2]!));
    if (fields.get('realm') !== this.opts.accountId) return this.refuse('wrong realm');
    if (fields.get('oauth_signature_method') !== 'HMAC-SHA256')
      return this.refuse('signature method is not HMAC-SHA256');
    if (fields.get('oauth_consumer_key') !== tba.consumerKey) return this.refuse('unknown consumer key');
    if (fields.get('oauth_token') !== tba.tokenId) return this.refuse('unknown token');
    for (const q of req.query.keys())
      if (fields.has(q)) return this.refuse(`query parameter ${q} repeated in the header`);
    const ts = Number(fields.get('oauth_timestamp'));
    if (!Number.isFinite(ts) || Math.abs(ts - this.opts.now() / 1000) > this.opts.tbaSkewSeconds)
      return this.refuse('timestamp outside the allowed skew');
    const nonce = fields.get('oauth_nonce') ?? '';
    if (!/^[A-Za-z0-9]{6,64}$/.test(nonce)) return this.refuse('bad nonce');
    const signature = fields.get('oauth_signature') ?? '';
    const params: Array<[string, string]> = [...fields].filter(([k]) => k !== 'realm' && k !== 'oauth_signature');
    for (const [k, v] of req.query) params.push([k, v]);
    const expected = tbaSignature(req.method, `${origin}${req.path}`, params, tba.consumerSecret, tba.tokenSecret);
    if (signature !== expected) return this.refuse('InvalidSignature (TBA)');
    const key = `${ts}:${nonce}`;
    if (this.nonces.has(key)) return this.refuse('nonce used before');
    this.nonces.add(key);
    return undefined;
  }

  private refuse(why: string): SimResponse {
    this.counters.rejected++;
    this.auditTrail.push(why);
    return nsError(
      401,
      'INVALID_LOGIN',
      'Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.',
    );
  }
}

/** RFC 3986 percent-encoding, which `encodeURIComponent` falls short of for `!*'()`. */
export function pct(value: string): string {
  return encodeURIComponent(value).replace(/[!*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** RFC 5849 §3.4: the base string over method, URL without query, and every oauth_ and query parameter, sorted. */
export function tbaSignature(
  method: string,
  url: string,
  params: Array<[string, string]>,
  consumerSecret: string,
  tokenSecret: string,
): string {
  const normalised = params
    .map(([k, v]) => [pct(k), pct(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const base = `${method.toUpperCase()}&${pct(url)}&${pct(normalised)}`;
  return createHmac('sha256', `${pct(consumerSecret)}&${pct(tokenSecret)}`)
    .update(base)
    .digest('base64');
}
