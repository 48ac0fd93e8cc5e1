import { createPrivateKey, createHmac, randomBytes, sign, constants, type KeyObject } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { PermanentError, parseBody, send, throwForStatus } from '../../http';
import { NETSUITE } from './wire';

/**
 * How this integration signs in (reference §2): OAuth 2.0 client credentials with a JWT assertion
 * signed by the certificate's private key (the default, since TBA closes to new integrations from
 * 2027.1), or token-based authentication (OAuth 1.0a, HMAC-SHA256) for accounts that still use it.
 */
export type NetSuiteAuthConfig =
  | {
      kind: 'oauth2-m2m';
      /** The integration record's client id: the JWT's `iss`. */
      clientId: string;
      /** The id NetSuite gave the uploaded certificate: the JWT's `kid`. */
      certificateId: string;
      /** PEM of the certificate's private key, EC (ES256/384/512) or RSA (PS256). */
      privateKeyPem: string;
    }
  | { kind: 'tba'; consumerKey: string; consumerSecret: string; tokenId: string; tokenSecret: string };

/**
 * The auth configuration from the environment: `NETSUITE_AUTH` = `oauth2-m2m` (default) with
 * `NETSUITE_CLIENT_ID`, `NETSUITE_CERTIFICATE_ID`, `NETSUITE_PRIVATE_KEY` (PEM), or `tba` with
 * `NETSUITE_CONSUMER_KEY`, `NETSUITE_CONSUMER_SECRET`, `NETSUITE_TOKEN_ID`, `NETSUITE_TOKEN_SECRET`.
 * A missing variable is named; its value never is.
 */
export function netSuiteAuthFromEnv(env: Record<string, string | undefined>): NetSuiteAuthConfig {
  const need = (name: string): string => {
    const v = env[name];
    if (!v)
      throw new PermanentError(`${name} is not set (NetSuite authentication)`, NETSUITE, 0, 'InvalidConfiguration');
    return v;
  };
  const kind = env.NETSUITE_AUTH ?? 'oauth2-m2m';
  if (kind === 'tba')
    return {
      kind,
      consumerKey: need('NETSUITE_CONSUMER_KEY'),
      consumerSecret: need('NETSUITE_CONSUMER_SECRET'),
      tokenId: need('NETSUITE_TOKEN_ID'),
      tokenSecret: need('NETSUITE_TOKEN_SECRET'),
    };
  if (kind !== 'oauth2-m2m')
    throw new PermanentError(
      `NETSUITE_AUTH must be oauth2-m2m or tba, got '${kind}'`,
      NETSUITE,
      0,
      'InvalidConfiguration',
    );
  return {
    kind,
    clientId: need('NETSUITE_CLIENT_ID'),
    certificateId: need('NETSUITE_CERTIFICATE_ID'),
    privateKeyPem: need('NETSUITE_PRIVATE_KEY'),
  };
}

const tokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** The assertion lives this long; NetSuite refuses more than 60 minutes. */
const ASSERTION_SECONDS = 300;

/** JWS algorithm for the key: ECDSA by curve, RSA-PSS for RSA (NetSuite does not list RS256). */
function algorithmOf(key: KeyObject): { alg: string; hash: string } {
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { alg: 'ES256', hash: 'sha256' };
    if (curve === 'secp384r1') return { alg: 'ES384', hash: 'sha384' };
    if (curve === 'secp521r1') return { alg: 'ES512', hash: 'sha512' };
  }
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') return { alg: 'PS256', hash: 'sha256' };
  throw new PermanentError(
    `the NetSuite private key is ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''}; use EC P-256/384/521 or RSA`,
    NETSUITE,
    0,
    'InvalidConfiguration',
  );
}

/**
 * Bearer tokens from the client-credentials grant. NetSuite issues no refresh token: a new
 * assertion is signed before the token's end (a tenth of its life early), one fetch shared by
 * concurrent callers.
 */
export class M2mToken {
  private current?: { token: string; refreshAt: number };
  private pending?: Promise<string>;
  private readonly key: KeyObject;
  private readonly alg: { alg: string; hash: string };

  constructor(
    private readonly opts: {
      tokenUrl: string;
      clientId: string;
      certificateId: string;
      privateKeyPem: string;
      timeoutMs?: number;
      now: () => number;
      dispatcher?: Dispatcher;
    },
  ) {
    try {
      this.key = createPrivateKey(opts.privateKeyPem);
    } catch {
      // The parser's message may quote the key material: say only that it did not parse.
      throw new PermanentError(
        'the NetSuite private key is not a PEM private key',
        NETSUITE,
        0,
        'InvalidConfiguration',
      );
    }
    this.alg = algorithmOf(this.key);
  }

  get(): Promise<string> {
    if (this.current && this.opts.now() < this.current.refreshAt) return Promise.resolve(this.current.token);
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  /** The signed assertion: `kid` = certificate id, `iss` = client id, `aud` = the token endpoint. */
  assertion(): string {
    const iat = Math.floor(this.opts.now() / 1000);
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = enc({ typ: 'JWT', alg: this.alg.alg, kid: this.opts.certificateId });
    const body = enc({
      iss: this.opts.clientId,
      scope: ['rest_webservices'],
      aud: this.opts.tokenUrl,
      iat,
      exp: iat + ASSERTION_SECONDS,
      jti: randomBytes(16).toString('hex'),
    });
    const signature = sign(
      this.alg.hash,
      Buffer.from(`${head}.${body}`),
      this.key.asymmetricKeyType === 'ec'
        ? { key: this.key, dsaEncoding: 'ieee-p1363' }
        : { key: this.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
    );
    return `${head}.${body}.${signature.toString('base64url')}`;
  }

  private async fetch(): Promise<string> {
    const call = { system: NETSUITE, method: 'POST' as const, url: this.opts.tokenUrl };
    const startedAt = this.opts.now();
    const res = await send({
      ...call,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: this.assertion(),
      }).toString(),
      timeoutMs: this.opts.timeoutMs,
      dispatcher: this.opts.dispatcher,
    });
    if (res.status >= 400)
      throwForStatus(call, res, {
        code: res.status === 401 ? 'INVALID_LOGIN' : undefined,
        message: `the token endpoint refused the JWT assertion (NetSuite says why only in its Login Audit Trail; check client id ${this.opts.clientId}, certificate id ${this.opts.certificateId} and the clock)`,
      });
    const body = parseBody(NETSUITE, res.text, tokenSchema);
    const lifetimeMs = body.expires_in * 1000;
    this.current = { token: body.access_token, refreshAt: startedAt + lifetimeMs - Math.min(300_000, lifetimeMs / 10) };
    return body.access_token;
  }
}

/** RFC 3986 percent-encoding (`encodeURIComponent` leaves `!*'()` raw). */
export function pct(value: string): string {
  return encodeURIComponent(value).replace(/[!*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The OAuth 1.0a header for one request: signed over the method, the URL without its query, and
 * the oauth_ and query parameters sorted; `realm` = account id, not signed; query parameters are
 * not repeated in the header (NetSuite answers 401 when they are).
 */
export function tbaHeader(
  creds: { consumerKey: string; consumerSecret: string; tokenId: string; tokenSecret: string },
  realm: string,
  method: string,
  url: URL,
  now: () => number,
): string {
  const oauth: Record<string, string> = {
    oauth_consumer_key: creds.consumerKey,
    oauth_token: creds.tokenId,
    oauth_signature_method: 'HMAC-SHA256',
    oauth_timestamp: String(Math.floor(now() / 1000)),
    oauth_nonce: randomBytes(16).toString('hex'),
    oauth_version: '1.0',
  };
  const params: Array<[string, string]> = [...Object.entries(oauth), ...url.searchParams];
  const normalised = params
    .map(([k, v]) => [pct(k), pct(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const base = `${method.toUpperCase()}&${pct(`${url.origin}${url.pathname}`)}&${pct(normalised)}`;
  const signature = createHmac('sha256', `${pct(creds.consumerSecret)}&${pct(creds.tokenSecret)}`)
    .update(base)
    .digest('base64');
  const fields = { ...oauth, oauth_signature: signature };
  return `OAuth realm="${realm}", ${Object.entries(fields)
    .map(([k, v]) => `${k}="${pct(v)}"`)
    .join(', ')}`;
}
