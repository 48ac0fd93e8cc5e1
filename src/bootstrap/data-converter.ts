import type { DataConverter } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Env } from '../config/env';
import { AesGcmPayloadCodec } from './payload-codec';

type PayloadKeyEnv = Pick<Env, 'TEMPORAL_PAYLOAD_KEYS' | 'TEMPORAL_PAYLOAD_KEY_ID'>;

/**
 * The one data converter every Temporal client and worker of ours uses: payloads (sale and web
 * orders, parked copies of webhooks with customers' e-mails and addresses) are encrypted before
 * they leave the process. Codecs run outside the workflow sandbox, so this goes on the Client and
 * Worker options, never into the workflow bundle. Without keys payloads are stored in clear, and
 * the process says so at start (`logger`); a process with keys still reads payloads stored in clear.
 */
export function dataConverter(env: PayloadKeyEnv, logger?: Logger): DataConverter {
  const codec = payloadCodec(env);
  if (!codec) {
    logger?.warn('TEMPORAL_PAYLOAD_KEYS is not set: payloads (personal data) are stored in Temporal in clear');
    return {};
  }
  return { payloadCodecs: [codec] };
}

/** The codec for these keys, or none when no key is configured (also what the codec endpoint serves). */
export function payloadCodec(env: PayloadKeyEnv): AesGcmPayloadCodec | undefined {
  const keys = env.TEMPORAL_PAYLOAD_KEYS;
  if (!keys || keys.size === 0) return undefined;
  return new AesGcmPayloadCodec({ currentKeyId: env.TEMPORAL_PAYLOAD_KEY_ID ?? [...keys.keys()][0]!, keys });
}
