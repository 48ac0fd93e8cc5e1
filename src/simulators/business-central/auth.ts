import { randomBytes, randomUUID } from 'node:crypto';
import type { SimRequest, SimResponse } from '../http-server';
import { odataError } from './odata';

export const BC_SCOPE = 'https://api.businesscentral.dynamics.com/.default';

/**
 * Stands in for Microsoft Entra ID's client-credentials endpoint and for BC's bearer check.
 * Tokens are opaque strings (real ones are JWTs; clients must not look inside either way).
 */
export interface TokenIssuerOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  lifetimeSeconds: number;
  now: () => number;
}

export class TokenIssuer {
  /** Changeable at run time so a test can hand out short-lived tokens. */
  lifetimeSeconds: number;
  /** Tokens handed out, and API requests refused for a missing/expired/unknown token. */
  readonly counters = { issued: 0, rejected: 0 };
  private readonly tokens = new Map<string, { expiresAt: number }>();

  constructor(private readonly opts: TokenIssuerOptions) {
    this.lifetimeSeconds = opts.lifetimeSeconds;
  }

  /** Makes every issued token invalid, as a key rotation or revoked consent would. */
  revokeAll(): void {
    this.tokens.clear();
  }

  /** `POST /{tenantId}/oauth2/v2.0/token`, form-encoded, answering in Entra's error shape. */
  token(req: SimRequest): SimResponse {
    const [tenant] = req.params;
    if (tenant?.toLowerCase() !== this.opts.tenantId.toLowerCase()) {
      return entraError(400, 'invalid_tenant', `AADSTS90002: Tenant '${tenant}' not found.`);
    }
    const contentType = String(req.headers['content-type'] ?? '');
    if (!contentType.startsWith('application/x-www-form-urlencoded')) {
      return entraError(
        400,
        'invalid_request',
        "AADSTS900144: The request body must contain the following parameter: 'grant_type'.",
      );
    }
    const form = new URLSearchParams(req.rawBody);
    const grant = form.get('grant_type');
    if (!grant)
      return entraError(
        400,
        'invalid_request',
        "AADSTS900144: The request body must contain the following parameter: 'grant_type'.",
      );
    if (grant !== 'client_credentials')
      return entraError(
        400,
        'unsupported_grant_type',
        `AADSTS70003: The app requested an unsupported grant type '${grant}'.`,
      );
    const clientId = form.get('client_id');
    if (clientId !== this.opts.clientId) {
      return entraError(
        400,
        'unauthorized_client',
        `AADSTS700016: Application with identifier '${clientId ?? ''}' was not found in the directory.`,
      );
    }
    // Entra never echoes the secret; neither do we.
    if (form.get('client_secret') !== this.opts.clientSecret) {
      return entraError(
        401,
        'invalid_client',
        `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
    const scope = form.get('scope');
    if (scope !== BC_SCOPE) {
      return entraError(
        400,
        'invalid_scope',
        `AADSTS1002012: The provided value for scope ${scope ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
      );
    }
    const accessToken = randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, { expiresAt: this.opts.now() + this.lifetimeSeconds * 1000 });
    this.counters.issued++;
    return {
      status: 200,
      headers: { 'cache-control': 'no-store, no-cache' },
      body: {
        token_type: 'Bearer',
        expires_in: this.lifetimeSeconds,
        ext_expires_in: this.lifetimeSeconds,
        access_token: accessToken,
      },
    };
  }

  /** The API's bearer check; undefined means the request may proceed. */
  check(req: SimRequest): SimResponse | undefined {
    const header = String(req.headers['authorization'] ?? '');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const entry = match ? this.tokens.get(match[1]!) : undefined;
    if (entry && entry.expiresAt > this.opts.now()) return undefined;
    if (entry) this.tokens.delete(match![1]!);
    this.counters.rejected++;
    return odataError(401, 'Authentication_InvalidCredentials', 'The server has rejected the client credentials.', {
      'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/${this.opts.tenantId}/oauth2/authorize"`,
    });
  }
}

function entraError(status: number, error: string, description: string): SimResponse {
  return {
    status,
    body: {
      error,
      error_description: `${description}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
      error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
      timestamp: new Date().toISOString(),
      trace_id: randomUUID(),
      correlation_id: randomUUID(),
    },
  };
}
