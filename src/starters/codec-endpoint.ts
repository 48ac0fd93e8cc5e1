import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  createReceiverServer,
  declaredTooLarge,
  isJsonContentType,
  readBody,
  refuseContentType,
  refuseTooLarge,
  reply,
  type ServerLimits,
} from './http-io';

/**
 * The codec endpoint of the Temporal codec server protocol, which the Temporal UI ("Data Encoder"
 * setting or `--codec-endpoint`) and the `temporal` CLI (`--codec-endpoint`, `--codec-auth`) call
 * to read encrypted payloads: `POST <endpoint>/decode` and `POST <endpoint>/encode`, with the
 * namespace in `X-Namespace`. Both bodies are proto3 JSON of `{ payloads: Payload[] }`, bytes in
 * base64. It holds every payload key, so it answers only a bearer token and only on its own port,
 * kept inside the cluster: never on the receivers' public ports.
 */
export const CODEC_PATH = '/codec';

/** A page of history's payloads; Temporal caps one payload at 2 MB. */
export const CODEC_BODY_LIMIT = 8 * 1024 * 1024;

/** A handful of operators' browsers and CLIs, not the internet. */
const CODEC_LIMITS: Partial<ServerLimits> = { maxConnections: 32 };

const CORS_METHODS = 'POST';
const CORS_HEADERS = 'content-type,authorization,x-namespace';

const bytes = z.base64('must be base64 (proto3 JSON bytes)');
const codecRequest = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), bytes).optional(), data: bytes.optional() })),
});
type JsonPayload = z.infer<typeof codecRequest>['payloads'][number];

export interface CodecEndpointOptions {
  codec: PayloadCodec;
  /** CODEC_ENDPOINT_TOKEN: the bearer token every request must carry. */
  token: string;
  /** CODEC_CORS_ORIGIN: the Temporal UI's origin, the only one a browser may call from. */
  corsOrigin?: string;
  logger: Logger;
  limits?: Partial<ServerLimits>;
}

export function createCodecEndpoint(opts: CodecEndpointOptions) {
  const expected = digest(opts.token);
  const authorized = (req: IncomingMessage): boolean => {
    const match = /^Bearer (.+)$/i.exec(req.headers.authorization?.trim() ?? '');
    // Digests of equal length, so neither the token's length nor its prefix shows in the timing.
    return match !== null && timingSafeEqual(digest(match[1]!), expected);
  };

  return createReceiverServer('codec endpoint', opts.logger, { ...CODEC_LIMITS, ...opts.limits }, async (req, res) => {
    const cors: Record<string, string> =
      opts.corsOrigin !== undefined && req.headers.origin === opts.corsOrigin
        ? { 'access-control-allow-origin': opts.corsOrigin, vary: 'Origin' }
        : {};
    const path = (req.url ?? '').split('?')[0];
    const operation =
      path === `${CODEC_PATH}/decode` ? 'decode' : path === `${CODEC_PATH}/encode` ? 'encode' : undefined;
    if (!operation) {
      req.resume();
      return reply(res, 404, { error: 'not found' }, cors);
    }
    // A browser's preflight carries no credentials: it is answered, for the UI's origin only.
    if (req.method === 'OPTIONS') {
      req.resume();
      const headers =
        'access-control-allow-origin' in cors
          ? {
              ...cors,
              'access-control-allow-methods': CORS_METHODS,
              'access-control-allow-headers': CORS_HEADERS,
              'access-control-max-age': '600',
            }
          : {};
      res.writeHead(204, headers).end();
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      return reply(res, 405, { error: 'method not allowed' }, { ...cors, allow: 'POST, OPTIONS' });
    }
    if (!authorized(req)) {
      req.resume();
      opts.logger.warn(
        { remote: req.socket?.remoteAddress, operation },
        'codec endpoint: request without a valid token',
      );
      return reply(
        res,
        401,
        { error: 'bearer token required', field: 'Authorization' },
        {
          ...cors,
          'www-authenticate': 'Bearer',
        },
      );
    }
    if (declaredTooLarge(req, CODEC_BODY_LIMIT) !== undefined) return refuseTooLarge(req, res, CODEC_BODY_LIMIT);
    if (!isJsonContentType(req)) return refuseContentType(req, res, CODEC_BODY_LIMIT);
    const read = await readBody(req, CODEC_BODY_LIMIT);
    if ('tooLarge' in read) return refuseTooLarge(req, res, CODEC_BODY_LIMIT);
    let json: unknown;
    try {
      json = JSON.parse(read.body.toString('utf8'));
    } catch {
      return reply(res, 400, { error: 'body is not JSON', field: 'body' }, cors);
    }
    const parsed = codecRequest.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.') || 'body';
      return reply(res, 400, { error: `${field}: ${issue.message}`, field }, cors);
    }
    const payloads = parsed.data.payloads.map(fromJson);
    let out: Payload[];
    try {
      out = operation === 'decode' ? await opts.codec.decode(payloads) : await opts.codec.encode(payloads);
    } catch (err) {
      // A payload this codec cannot open (a key it does not hold, tampered bytes): the caller's
      // payload, not our outage. The message names the key id, never a payload's content.
      return reply(res, 400, { error: (err as Error).message, field: 'payloads' }, cors);
    }
    opts.logger.debug(
      { operation, namespace: req.headers['x-namespace'], payloads: out.length },
      'codec endpoint answered',
    );
    reply(res, 200, { payloads: out.map(toJson) }, cors);
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function fromJson(p: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = Buffer.from(v, 'base64');
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

function toJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) if (v) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') };
}
