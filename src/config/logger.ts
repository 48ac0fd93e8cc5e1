import { pino, type Logger } from 'pino';

/**
 * JSON logs with workflow id, store and order id as fields. Credentials are redacted wherever
 * they might appear; card data is never logged in the first place (we log ids, not payloads).
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  '*.clientSecret',
  '*.apiPassword',
  '*.accessToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-shopify-access-token"]',
  '*.headers["x-shopify-access-token"]',
];

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
