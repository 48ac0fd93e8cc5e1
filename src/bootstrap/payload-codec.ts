import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
// A CommonJS module: Node's ESM loader sees only its default export.
import proto from '@temporalio/proto';

export const ENCODING_ENCRYPTED = 'binary/encrypted';
export const METADATA_ENCODING = 'encoding';
export const METADATA_KEY_ID = 'encryption-key-id';

/** AES-256-GCM: a 12-byte nonce and a 16-byte tag around the ciphertext. */
const { temporal } = proto;

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKeys {
  /** The key new payloads are encrypted with. */
  currentKeyId: string;
  /** Every key a payload may have been encrypted with (the current one included), by id. */
  keys: ReadonlyMap<string, Buffer>;
}

export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

/**
 * Encrypts every payload (the whole serialized Payload, so its metadata is hidden too) with the
 * current key and names the key in the envelope's metadata; decrypts with whichever configured key
 * a payload names, so keys rotate without touching running histories. The key id is authenticated
 * (GCM additional data): a payload relabelled with another id is refused, not misread. Payloads
 * that were never encrypted (histories from before encryption was switched on) pass through.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeys) {
    if (!keys.keys.has(keys.currentKeyId)) throw new Error(`no payload key with id ${keys.currentKeyId}`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keys.currentKeyId;
    const key = this.keys.keys.get(keyId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(utf8.encode(keyId));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING]: utf8.encode(ENCODING_ENCRYPTED), [METADATA_KEY_ID]: utf8.encode(keyId) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING];
      if (!encoding || text.decode(encoding) !== ENCODING_ENCRYPTED) return payload;
      const idBytes = payload.metadata?.[METADATA_KEY_ID];
      const keyId = idBytes ? text.decode(idBytes) : '';
      const key = this.keys.keys.get(keyId);
      if (!key)
        throw new PayloadDecryptionError(
          `payload encrypted with key id "${keyId}", which is not in TEMPORAL_PAYLOAD_KEYS`,
        );
      const data = payload.data ?? new Uint8Array();
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('encrypted payload is too short');
      const iv = data.subarray(0, IV_BYTES);
      const tag = data.subarray(data.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(utf8.encode(keyId));
      decipher.setAuthTag(tag);
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new PayloadDecryptionError(`encrypted payload (key id "${keyId}") failed authentication`);
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
