import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * JSON logs with workflow id, store and order id as fields. Secrets and personal data are
 * redacted wherever they appear, at any depth: pino's `redact` paths name fixed positions (one
 * level per `*`), so a token three levels into an error body or a webhook copy would slip past
 * any list of paths. Instead every logged object is copied through `scrub` (bounded depth, cycles
 * cut), which hides the values of secret- or person-bearing keys and any e-mail address or card
 * number inside a string, the message included. Card data is not logged in the first place.
 */
const SECRET_KEY =
  /pass(word)?|secret|token|api_?key|authori[sz]ation|cookie|credential|private_?key|signature|hmac|cvc|cvv|pin$/i;
/** Keys whose values are a person: e-mail, names, addresses, phone, card. */
const PERSONAL_KEY =
  /e_?mail|^(first|last|full|given|family|customer|billing|shipping)_?name$|^name(first|last)$|address|phone|^(zip|postal_?code|city)$|card_?number|^pan$/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+/g;
/** 13 to 19 digits, optionally grouped by spaces or dashes, passing Luhn: a card number (not a Shopify order id). */
const CARD_NUMBER = /\b\d(?:[ -]?\d){12,18}\b/g;

function luhn(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
const CENSOR = '[redacted]';
const MAX_DEPTH = 12;

export function scrubText(s: string): string {
  return s.replace(EMAIL, '[e-mail redacted]').replace(CARD_NUMBER, (m) => (luhn(m) ? '[card number redacted]' : m));
}

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return `[nested deeper than ${MAX_DEPTH} levels: not logged]`;
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
    const source: Record<string, unknown> =
      value instanceof Error
        ? { type: value.name, message: value.message, stack: value.stack, ...(value as object) }
        : (value as Record<string, unknown>);
    if (!(value instanceof Error) && Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value))
      return value; // Dates, Buffers, URLs: serialised by pino as themselves
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(source)) {
      const key = k.replace(/-/g, '_');
      out[k] = SECRET_KEY.test(key) || PERSONAL_KEY.test(key) ? CENSOR : scrub(v, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

export function createLogger(
  name: string,
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name,
      level,
      formatters: { log: (obj) => scrub(obj, 0, new WeakSet()) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
