/**
 * The subset of OData `$filter` Business Central supports and our adapters use: comparisons
 * (eq ne gt ge lt le), `and`, `or`, parentheses, and startswith/endswith/contains.
 * BC maps a filter onto AL record filters, which cannot express `or` across different fields,
 * so that is refused here as BC refuses it - a client that relies on it would break in production.
 */
export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
type Fn = 'startswith' | 'endswith' | 'contains';

export interface Literal {
  kind: 'string' | 'number' | 'bool' | 'null' | 'raw';
  /** The literal as written (unquoted and un-escaped for strings). */
  text: string;
}

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'cmp'; op: CompareOp; field: string; value: Literal }
  | { kind: 'fn'; fn: Fn; field: string; value: Literal };

export class FilterError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const OPS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FNS = new Set<string>(['startswith', 'endswith', 'contains']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Token {
  text: string;
  quoted: boolean;
  at: number;
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ text: c, quoted: false, at: i++ });
    } else if (c === "'") {
      const at = i++;
      let text = '';
      for (;;) {
        if (i >= src.length) throw syntax(src, at, 'unterminated string literal');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += src[i++];
      }
      tokens.push({ text, quoted: true, at });
    } else {
      const at = i;
      while (i < src.length && !/[\s(),']/.test(src[i]!)) i++;
      tokens.push({ text: src.slice(at, i), quoted: false, at });
    }
  }
  return tokens;
}

function syntax(src: string, at: number, why: string): FilterError {
  return new FilterError(`Syntax error at position ${at} in '${src}': ${why}.`, 'BadRequest_InvalidFilter');
}

export function parseFilter(src: string): FilterNode {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const take = (): Token => {
    const t = tokens[pos++];
    if (!t) throw syntax(src, src.length, 'unexpected end of expression');
    return t;
  };
  const expect = (text: string): void => {
    const t = take();
    if (t.quoted || t.text !== text) throw syntax(src, t.at, `expected '${text}'`);
  };
  const literal = (): Literal => {
    const t = take();
    if (t.quoted) return { kind: 'string', text: t.text };
    if (t.text === '(' || t.text === ')' || t.text === ',') throw syntax(src, t.at, 'expected a literal');
    if (t.text === 'true' || t.text === 'false') return { kind: 'bool', text: t.text };
    if (t.text === 'null') return { kind: 'null', text: t.text };
    if (/^-?\d+(\.\d+)?$/.test(t.text)) return { kind: 'number', text: t.text };
    return { kind: 'raw', text: t.text };
  };
  const field = (): string => {
    const t = take();
    if (t.quoted || !IDENT.test(t.text)) throw syntax(src, t.at, 'expected a property name');
    return t.text;
  };

  const primary = (): FilterNode => {
    const t = peek();
    if (t && !t.quoted && t.text === '(') {
      pos++;
      const inner = orExpr();
      expect(')');
      return inner;
    }
    if (t && !t.quoted && FNS.has(t.text) && tokens[pos + 1]?.text === '(') {
      pos += 2;
      const f = field();
      expect(',');
      const value = literal();
      expect(')');
      return { kind: 'fn', fn: t.text as Fn, field: f, value };
    }
    const f = field();
    const op = take();
    if (op.quoted || !OPS.has(op.text)) throw syntax(src, op.at, `unsupported operator '${op.text}'`);
    return { kind: 'cmp', op: op.text as CompareOp, field: f, value: literal() };
  };
  const andExpr = (): FilterNode => {
    let left = primary();
    while (peek()?.text === 'and' && !peek()?.quoted) {
      pos++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const orExpr = (): FilterNode => {
    let left = andExpr();
    while (peek()?.text === 'or' && !peek()?.quoted) {
      pos++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };

  const tree = orExpr();
  const rest = peek();
  if (rest) throw syntax(src, rest.at, `unexpected '${rest.text}'`);
  assertOrOnOneField(tree);
  return tree;
}

export function filterFields(node: FilterNode, into = new Set<string>()): Set<string> {
  if (node.kind === 'cmp' || node.kind === 'fn') {
    into.add(node.field);
  } else {
    filterFields(node.left, into);
    filterFields(node.right, into);
  }
  return into;
}

function assertOrOnOneField(node: FilterNode): void {
  if (node.kind === 'cmp' || node.kind === 'fn') return;
  if (node.kind === 'or') {
    const fields = filterFields(node);
    if (fields.size > 1) {
      throw new FilterError(
        `The filter combines conditions on different fields (${[...fields].join(', ')}) with 'or'; 'or' is only supported between conditions on the same field.`,
        'BadRequest_NotSupported',
      );
    }
  }
  assertOrOnOneField(node.left);
  assertOrOnOneField(node.right);
}

export function evaluate(node: FilterNode, row: Record<string, unknown>): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, row) && evaluate(node.right, row);
    case 'or':
      return evaluate(node.left, row) || evaluate(node.right, row);
    case 'fn': {
      const v = String(row[node.field] ?? '');
      if (node.fn === 'startswith') return v.startsWith(node.value.text);
      if (node.fn === 'endswith') return v.endsWith(node.value.text);
      return v.includes(node.value.text);
    }
    case 'cmp':
      return compare(row[node.field], node.op, node.value);
  }
}

function compare(actual: unknown, op: CompareOp, lit: Literal): boolean {
  if (lit.kind === 'null') {
    const isNull = actual === null || actual === undefined;
    return op === 'eq' ? isNull : op === 'ne' ? !isNull : false;
  }
  let a: string | number | boolean;
  let b: string | number | boolean;
  if (typeof actual === 'number' && lit.kind === 'number') {
    a = actual;
    b = Number(lit.text);
  } else if (typeof actual === 'boolean' && lit.kind === 'bool') {
    a = actual;
    b = lit.text === 'true';
  } else if (lit.kind === 'raw') {
    // GUIDs, dates and datetimes are written unquoted; GUID case is not significant.
    a = String(actual ?? '').toLowerCase();
    b = lit.text.toLowerCase();
  } else {
    a = String(actual ?? '');
    b = lit.text;
  }
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}
