import { randomUUID } from 'node:crypto';
import { getOperationAST, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import { seededRandom } from '../random';
import { gid } from './ids';
import type { ProductUserError } from './products';

/**
 * Bulk mutations (master-data-api.md §3.3): a JSONL file of variables is staged with a multipart
 * POST to the URL `stagedUploadsCreate` hands out (here the simulator itself, standing in for
 * Google Cloud Storage), `bulkOperationRunMutation` runs one mutation per line, and the result is
 * a JSONL file whose lines carry `__lineNumber` and come **out of order**. Lines run at a modelled
 * throughput. What a bulk line costs against the bucket is NOT FOUND in Shopify's documentation:
 * the simulator charges only the calls (stagedUploadsCreate, bulkOperationRunMutation, bulkOperation).
 */
export type BulkStatus = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'EXPIRED';

export interface BulkOperationRecord {
  id: string;
  num: number;
  status: BulkStatus;
  errorCode: 'ACCESS_DENIED' | 'INTERNAL_SERVER_ERROR' | 'TIMEOUT' | null;
  query: string;
  clientIdentifier: string | null;
  createdAt: string;
  completedAt: string | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  url: string | null;
  partialDataUrl: string | null;
}

export interface BulkOptions {
  /** Lines a running operation processes per second (default 2,000). */
  linesPerSecond?: number;
  /** Bulk mutations running at once per shop (Shopify from 2026-01: 5). */
  maxConcurrent?: number;
  /** Result lines in the order they were run instead of shuffled; off by default, as Shopify does not promise an order. */
  orderedResults?: boolean;
  seed?: number;
}

/** Runs one line's variables against the mutation document; always synchronous inside a bulk operation. */
export type RunLine = (document: DocumentNode, variables: Record<string, unknown>) => ExecutionResult;

const STAGED_PATH = '/_staged-uploads';
const RESULT_PATH = /^\/_bulk-results\/(\d+)\.jsonl$/;
const TICK_MS = 20;

export class BulkOperations {
  /** The simulator's own base URL, set once it listens. */
  baseUrl = '';
  linesPerSecond: number;
  maxConcurrent: number;
  orderedResults: boolean;
  private readonly staged = new Map<string, string | null>();
  private readonly ops = new Map<string, BulkOperationRecord>();
  private readonly results = new Map<number, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly random: () => number;
  private next = 1;

  constructor(
    private readonly runLine: () => RunLine,
    opts: BulkOptions = {},
  ) {
    this.linesPerSecond = opts.linesPerSecond ?? 2_000;
    this.maxConcurrent = opts.maxConcurrent ?? 5;
    this.orderedResults = opts.orderedResults ?? false;
    this.random = seededRandom(opts.seed ?? 11);
  }

  static readonly stagedPath = STAGED_PATH;
  static readonly resultPath = RESULT_PATH;

  get(id: string): BulkOperationRecord | undefined {
    return this.ops.get(id);
  }

  /** stagedUploadsCreate: only BULK_MUTATION_VARIABLES is served here. */
  stagedUploadsCreate(
    input: Array<{ resource: string; filename: string; mimeType: string; httpMethod?: string | null }>,
  ) {
    const userErrors: Array<{ field: string[]; message: string }> = [];
    const stagedTargets = input.map((i, n) => {
      if (i.resource !== 'BULK_MUTATION_VARIABLES' || (i.httpMethod ?? 'PUT') !== 'POST') {
        userErrors.push({
          field: ['input', String(n)],
          message: 'The simulator stages only BULK_MUTATION_VARIABLES with POST.',
        });
        return null;
      }
      const key = `tmp/retail-sim/bulk/${randomUUID()}/${i.filename}`;
      this.staged.set(key, null);
      return {
        url: `${this.baseUrl}${STAGED_PATH}`,
        resourceUrl: null,
        parameters: [
          { name: 'Content-Type', value: i.mimeType },
          { name: 'success_action_status', value: '201' },
          { name: 'acl', value: 'private' },
          { name: 'key', value: key },
          { name: 'x-goog-date', value: new Date().toISOString().replace(/[-:]|\.\d+/g, '') },
          { name: 'x-goog-credential', value: 'retail-sim/auto/storage/goog4_request' },
          { name: 'x-goog-algorithm', value: 'GOOG4-RSA-SHA256' },
          { name: 'x-goog-signature', value: randomUUID().replace(/-/g, '') },
          { name: 'policy', value: Buffer.from(JSON.stringify({ key })).toString('base64') },
        ],
      };
    });
    return userErrors.length ? { stagedTargets: null, userErrors } : { stagedTargets, userErrors };
  }

  /** The storage side: a multipart form whose fields are the parameters, then `file`. */
  upload(contentType: string | undefined, rawBody: string): { status: number; body: string } {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
    if (!boundary) return xmlError(400, 'InvalidArgument', 'Expected multipart/form-data.');
    const fields = parseMultipart(rawBody, (boundary[1] ?? boundary[2])!.trim());
    const key = fields.get('key');
    if (!key || !this.staged.has(key)) return xmlError(403, 'AccessDenied', 'Invalid or unknown upload key.');
    if (!fields.has('policy') || !fields.has('x-goog-signature'))
      return xmlError(403, 'AccessDenied', 'Missing signature.');
    const file = fields.get('file');
    if (file === undefined) return xmlError(400, 'InvalidArgument', 'The file must be the last form field.');
    this.staged.set(key, file);
    return {
      status: 201,
      body: `<?xml version='1.0' encoding='UTF-8'?><PostResponse><Bucket>retail-sim</Bucket><Key>${key}</Key></PostResponse>`,
    };
  }

  result(num: number): string | undefined {
    return this.results.get(num);
  }

  run(mutation: string, stagedUploadPath: string, clientIdentifier: string | null | undefined) {
    const refuse = (code: string, message: string, field: string[] | null = null) => ({
      bulkOperation: null,
      userErrors: [{ field, message, code } satisfies ProductUserError],
    });
    const running = [...this.ops.values()].filter((o) => o.status === 'CREATED' || o.status === 'RUNNING');
    if (running.length >= this.maxConcurrent)
      return refuse('LIMIT_REACHED', `A maximum of ${this.maxConcurrent} bulk mutations can run at the same time.`);
    let document: DocumentNode;
    try {
      document = parse(mutation);
    } catch (err) {
      return refuse('INVALID_MUTATION', `Invalid mutation: ${String(err)}`, ['mutation']);
    }
    const op = getOperationAST(document);
    if (op?.operation !== 'mutation' || op.selectionSet.selections.length !== 1)
      return refuse('INVALID_MUTATION', 'The bulk mutation must contain exactly one mutation field.', ['mutation']);
    const file = this.staged.get(stagedUploadPath);
    if (file === undefined || file === null)
      return refuse('NO_SUCH_FILE', `No staged file at ${stagedUploadPath}.`, ['stagedUploadPath']);
    const lines: Array<Record<string, unknown>> = [];
    for (const [i, text] of file.split('\n').entries()) {
      if (text.trim() === '') continue;
      try {
        lines.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        return refuse('INVALID_STAGED_UPLOAD_FILE', `Line ${i + 1} of the staged file is not JSON.`, [
          'stagedUploadPath',
        ]);
      }
    }
    const num = this.next++;
    const record: BulkOperationRecord = {
      id: gid('BulkOperation', num),
      num,
      status: 'CREATED',
      errorCode: null,
      query: mutation,
      clientIdentifier: clientIdentifier ?? null,
      createdAt: new Date().toISOString(),
      completedAt: null,
      objectCount: 0,
      rootObjectCount: 0,
      fileSize: null,
      url: null,
      partialDataUrl: null,
    };
    this.ops.set(record.id, record);
    this.process(record, document, lines);
    return { bulkOperation: record, userErrors: [] };
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private process(record: BulkOperationRecord, document: DocumentNode, lines: Array<Record<string, unknown>>): void {
    const out: string[] = [];
    let started = 0;
    let carry = 0;
    const tick = (): void => {
      if (record.status === 'CREATED') record.status = 'RUNNING';
      carry += (this.linesPerSecond * TICK_MS) / 1000;
      const n = Math.floor(carry);
      carry -= n;
      const run = this.runLine();
      for (let i = 0; i < n && started < lines.length; i++, started++) {
        const result = run(document, lines[started]!);
        out.push(
          JSON.stringify({
            ...(result.data ? { data: result.data } : {}),
            ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}),
            __lineNumber: started,
          }),
        );
        record.objectCount++;
        record.rootObjectCount++;
      }
      if (started < lines.length) return schedule();
      if (!this.orderedResults) shuffle(out, this.random);
      const body = out.map((l) => `${l}\n`).join('');
      this.results.set(record.num, body);
      record.fileSize = Buffer.byteLength(body);
      record.url = `${this.baseUrl}/_bulk-results/${record.num}.jsonl`;
      record.completedAt = new Date().toISOString();
      record.status = 'COMPLETED';
    };
    const schedule = (): void => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        tick();
      }, TICK_MS);
      this.timers.add(timer);
    };
    schedule();
  }
}

/** Enough of multipart/form-data for text fields and a text file. */
function parseMultipart(body: string, boundary: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of body.split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) continue;
    fields.set(name, part.slice(split + 4).replace(/\r\n$/, ''));
  }
  return fields;
}

function xmlError(status: number, code: string, message: string) {
  return {
    status,
    body: `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  };
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
