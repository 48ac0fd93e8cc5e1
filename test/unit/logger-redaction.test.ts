import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger';

const SECRETS = ['s3cr3t-pw', 'tok-123456', 'at-abcdef', 'cs-987654', 'key-ak-42', 'Bearer zzz-top', 'rt-555'];
const EMAIL = 'jane.doe@example.com';
const CARD = '4242424242424242';

describe('log redaction', () => {
  it('redacts secret-bearing fields and personal data at any depth', () => {
    const lines: string[] = [];
    const logger = createLogger('test', 'info', { write: (line: string) => void lines.push(line) });
    const nested = (v: object, levels: number): object => (levels === 0 ? v : { inner: nested(v, levels - 1) });
    const secrets = {
      password: SECRETS[0],
      token: SECRETS[1],
      access_token: SECRETS[2],
      client_secret: SECRETS[3],
      apiKey: SECRETS[4],
      headers: { Authorization: SECRETS[5] },
      refreshToken: SECRETS[6],
      customer: { email: EMAIL, first_name: 'Jane', address1: 'Drottninggatan 71' },
      note: `mail ${EMAIL} paid with ${CARD}`,
    };
    for (const depth of [0, 1, 3, 7]) logger.info(nested(secrets, depth), `depth ${depth}`);
    logger.info({ list: [secrets, [secrets]] }, 'in arrays');
    logger.error({ err: Object.assign(new Error(`refused for ${EMAIL}`), { body: secrets }) }, `for ${EMAIL}`);
    const text = lines.join('\n');
    expect(lines.length).toBe(6);
    for (const s of [...SECRETS, EMAIL, CARD, 'Drottninggatan', '"Jane"']) expect(text).not.toContain(s);
    expect(text).toContain('[redacted]');
  });
});
