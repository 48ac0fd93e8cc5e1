import { createHash } from 'node:crypto';
import { isGrpcServiceError, ValueError } from '@temporalio/client';

/**
 * What the receivers keep of an authentic delivery they cannot process: a bounded, storable copy
 * and a key that always makes a valid workflow id. Whatever arrives (any depth, lone surrogates,
 * megabyte strings, `__proto__` keys), these return something Temporal accepts as a payload and
 * an operator can read; nothing here recurses deeper than its depth cap.
 */
export interface CopyLimits {
  /** Levels kept; deeper values are replaced by a note. */
  depth: number;
  /** Characters kept of each string. */
  stringChars: number;
  /** Elements kept of each array and keys of each object. */
  entries: number;
  /** The whole copy, serialised; past it only an excerpt is kept. */
  chars: number;
}

export const PARKED_COPY_LIMITS: CopyLimits = { depth: 12, stringChars: 1_000, entries: 100, chars: 16_000 };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The string with every lone surrogate replaced by U+FFFD, so it encodes as valid UTF-8. */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}

/** For messages and logs: well-formed and at most `max` characters. */
export function printable(value: unknown, max = 200): string {
  const s = wellFormed(
    typeof value === 'string'
      ? value
      : (JSON.stringify(boundedCopy(value, { depth: 2, stringChars: max, entries: 10, chars: max })) ?? String(value)),
  );
  return s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s;
}

export function boundedCopy(value: unknown, limits: CopyLimits = PARKED_COPY_LIMITS): unknown {
  const copy = copyLevel(value, limits, 0);
  const text = JSON.stringify(copy) ?? 'null';
  if (text.length <= limits.chars) return copy;
  return {
    truncated: true,
    note: `copy cut to ${limits.chars} of ${text.length} characters`,
    excerpt: wellFormed(text.slice(0, limits.chars)),
  };
}

function copyLevel(value: unknown, limits: CopyLimits, level: number): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string') return cut(value, limits.stringChars);
  if (typeof value !== 'object') return `[${typeof value}]`;
  if (level >= limits.depth) return `[nested deeper than ${limits.depth} levels: not kept]`;
  if (Array.isArray(value)) {
    const items = value.slice(0, limits.entries).map((v) => copyLevel(v, limits, level + 1));
    if (value.length > limits.entries) items.push(`[${value.length - limits.entries} more elements not kept]`);
    return items;
  }
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  for (const key of keys.slice(0, limits.entries)) {
    // defineProperty: a `__proto__` key is data here, not a prototype.
    Object.defineProperty(out, cut(key, 100), {
      value: copyLevel((value as Record<string, unknown>)[key], limits, level + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  if (keys.length > limits.entries) out['(not kept)'] = `${keys.length - limits.entries} more keys`;
  return out;
}

function cut(s: string, max: number): string {
  const kept = wellFormed(s.length > max ? s.slice(0, max) : s);
  return s.length > max ? `${kept}… (${s.length} characters)` : kept;
}

/**
 * A delivery's own id (Sitoo event id, Shopify webhook id) when it can be a workflow id and a
 * dedupe key as it is: 1 to 100 visible ASCII characters. Anything else is keyed by its hash.
 */
export function usableId(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\x21-\x7e]{1,100}$/.test(value) && !value.startsWith('sha256-')
    ? value
    : undefined;
}

/** The same key for the same value on every redelivery: its id when usable, else `sha256-<hex>` of its content. */
export function deliveryKey(id: unknown, content: unknown): string {
  return usableId(id) ?? `sha256-${contentHash(content)}`;
}

/** SHA-256 of a JSON value in its parsed order, walked without recursion (any depth). */
export function contentHash(value: unknown): string {
  const hash = createHash('sha256');
  // Tokens are tagged, so a string value can never pass for structure.
  type Token = { value: unknown } | { text: string };
  const stack: Token[] = [{ value }];
  while (stack.length > 0) {
    const token = stack.pop()!;
    if ('text' in token) {
      hash.update(token.text);
      continue;
    }
    const v = token.value;
    if (Array.isArray(v)) {
      hash.update('[');
      stack.push({ text: ']' });
      for (let i = v.length - 1; i >= 0; i--) stack.push({ text: ',' }, { value: v[i] });
    } else if (typeof v === 'object' && v !== null) {
      hash.update('{');
      stack.push({ text: '}' });
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--)
        stack.push(
          { text: ',' },
          { value: (v as Record<string, unknown>)[keys[i]!] },
          { text: `${JSON.stringify(keys[i])}:` },
        );
    } else hash.update(typeof v === 'string' ? JSON.stringify(v) : String(v));
  }
  return hash.digest('hex').slice(0, 40);
}

/**
 * True when Temporal refused a start or signal for what it was given, so sending it again cannot
 * help (a payload it cannot convert, an argument the server calls invalid). Anything else, a
 * server that is down or slow included, may succeed on retry.
 */
export function refusedForGood(err: unknown): boolean {
  if (err instanceof ValueError) return true;
  const grpc = isGrpcServiceError(err)
    ? err
    : isGrpcServiceError((err as { cause?: unknown } | null)?.cause)
      ? (err as { cause: { code: number } }).cause
      : undefined;
  return grpc?.code === 3; // INVALID_ARGUMENT
}
