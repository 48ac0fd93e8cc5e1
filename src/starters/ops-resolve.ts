import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { loadEnv } from '../config/env';
import { dataConverter } from '../bootstrap/data-converter';
import { connectClient, loadTemporalConfig } from '../bootstrap/temporal-connection';
import {
  BatchBusyError,
  BulkQueryError,
  MAX_BULK,
  previewBulkResolve,
  reportBulkResolve,
  startBulkResolve,
  waitForBatch,
  type BulkOutcome,
  type BulkPreview,
  type BulkTarget,
} from '../client/bulk-resolve';
import { parseDuration } from '../domain/duration';
import { resolutionInputProblem, type MappingOverride, type Resolution } from '../domain/exceptions';

/**
 * `npm run ops -- resolve`: one resolution for every parked workflow a visibility query finds.
 * It checks the input before it connects, shows what the query finds and which will refuse,
 * asks before it sends (`--yes` for scripts; without a terminal and without `--yes` it sends
 * nothing), sends the `resolve` signal in one Temporal batch job to exactly the executions shown,
 * follows the job, and reports what each workflow did. Exit 0 when every one accepted, 1 when any
 * refused, failed or did not answer in time, or nothing was sent for want of confirmation; 2 for
 * bad arguments or input.
 */
export const RESOLVE_USAGE =
  "usage: npm run ops -- resolve --query '<visibility query>' --action <action> --reason '<why>' " +
  "[--resolved-by <who>] [--mapping '<json>'] [--store-id S02] [--reference <order id>] [--wait 60s] [--yes]";

const OPTIONS = {
  query: { type: 'string' },
  action: { type: 'string' },
  reason: { type: 'string' },
  'resolved-by': { type: 'string' },
  mapping: { type: 'string' },
  'store-id': { type: 'string' },
  reference: { type: 'string' },
  wait: { type: 'string', default: '60s' },
  yes: { type: 'boolean', default: false },
} as const;

class UsageError extends Error {}

/** The resolution the arguments describe, checked as every workflow's `resolve` checks it. */
function resolutionFrom(values: ReturnType<typeof parse>): Resolution {
  if (!values.reason?.trim())
    throw new UsageError('--reason is required: it is kept with each resolution and with the batch job');
  let mapping: MappingOverride | undefined;
  if (values.mapping !== undefined) {
    try {
      mapping = JSON.parse(values.mapping) as MappingOverride;
    } catch {
      throw new UsageError(
        '--mapping is not JSON: give {"storeId":"...","erpLocationCode":"...","erpCustomerNumber":"...","webLocationId":"..."}',
      );
    }
  }
  const resolution = {
    action: values.action,
    reason: values.reason,
    ...(values['resolved-by'] !== undefined && { resolvedBy: values['resolved-by'] }),
    ...(mapping !== undefined && { mapping }),
    ...(values['store-id'] !== undefined && { storeId: values['store-id'] }),
    ...(values.reference !== undefined && { reference: values.reference }),
  };
  const problem = resolutionInputProblem(resolution);
  if (problem) throw new UsageError(`Invalid resolution, nothing sent: ${problem}`);
  return resolution as Resolution;
}

function parse(args: string[]) {
  const { values } = parseArgs({ args, options: OPTIONS });
  if (!values.query?.trim()) throw new UsageError('--query is required');
  if (!values.action) throw new UsageError('--action is required');
  return values;
}

export async function resolveCommand(args: string[]): Promise<number> {
  let values: ReturnType<typeof parse>;
  let resolution: Resolution;
  let waitMs: number;
  try {
    values = parse(args);
    resolution = resolutionFrom(values);
    const wait = parseDuration(values.wait);
    if (wait === undefined) throw new UsageError('--wait must be a duration like 30s or 2m');
    waitMs = wait;
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
    console.error(`${err.message}\n${RESOLVE_USAGE}`);
    return 2;
  }

  const env = loadEnv('ops-resolve');
  if (!env.TEMPORAL_PAYLOAD_KEYS?.size)
    console.error('TEMPORAL_PAYLOAD_KEYS is not set: the resolution is sent to Temporal in clear');
  const client = await connectClient(loadTemporalConfig(), { dataConverter: dataConverter(env) });
  try {
    const preview = await previewBulkResolve(client, values.query!, resolution);
    console.log(renderPreview(preview));
    if (preview.tooMany) {
      console.error(
        `Nothing sent: more than ${MAX_BULK} parked workflows match, more than one run sends to. Narrow the query (StoreId, ExceptionType, ExceptionSince).`,
      );
      return 1;
    }
    if (preview.targets.length === 0) return 0;
    const n = preview.targets.length;
    if (!values.yes && !(await confirmed(n))) return 1;

    const jobId = await startBulkResolve(client, preview, {
      reason: resolution.reason!,
      onBusy: () => console.log('Another batch job is running in this namespace; waiting for it to finish...'),
    });
    console.log(`Batch job ${jobId}: the resolve signal to ${n} workflow${n === 1 ? '' : 's'}`);
    const done = await waitForBatch(client, jobId, (p) =>
      console.log(`  ${p.completed} of ${p.total || n} signalled, ${p.failed} failed`),
    );
    console.log(
      done.state === 'completed'
        ? 'Batch job completed.'
        : `Batch job ${done.state}: see \`temporal batch describe --job-id ${jobId}\`.`,
    );

    console.log(`Reading each workflow's answer (up to ${values.wait})...`);
    const outcomes = await reportBulkResolve(client, preview, { deadlineMs: waitMs });
    console.log(renderReport(preview, outcomes, values.wait));
    return [...outcomes.values()].every((o) => o.kind === 'accepted') ? 0 : 1;
  } catch (err) {
    if (err instanceof BulkQueryError) {
      console.error(`Nothing sent: ${err.message}`);
      return 2;
    }
    if (!(err instanceof BatchBusyError)) throw err;
    console.error(`Nothing sent: ${err.message}`);
    return 1;
  } finally {
    await client.connection.close();
  }
}

async function confirmed(n: number): Promise<boolean> {
  if (!process.stdin.isTTY) {
    console.error(
      `Nothing sent: there is no terminal to confirm on. Check the list above, then run the same command with --yes to send the resolve signal to these ${n} workflows.`,
    );
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`Send the resolve signal to these ${n} workflows? [y/N] `);
    if (/^y(es)?$/i.test(answer.trim())) return true;
    console.log('Nothing sent.');
    return false;
  } finally {
    rl.close();
  }
}

function utc(iso: string | undefined): string {
  return iso ? `since ${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : 'since unknown';
}

function where(t: BulkTarget): string {
  return `${t.exceptionType ?? '?'} at ${t.storeId ?? '(no store)'}`;
}

/** Rows of columns, each padded to its widest cell, indented. */
function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
  return rows.map((r) => `  ${r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('  ')}`);
}

export function renderPreview(p: BulkPreview): string {
  const n = p.targets.length;
  const action = p.resolution.action;
  const out = [`Resolve: ${JSON.stringify(p.resolution)}`, `Query:   ${p.query}`];
  if (p.tooMany) return out.join('\n');
  if (n === 0) {
    out.push('No parked workflow matches: nothing to send.');
  } else {
    out.push(`${n} parked workflow${n === 1 ? '' : 's'} match${n === 1 ? 'es' : ''}:`);
    out.push(
      ...table(
        p.targets.map((t) => [
          t.workflowId,
          t.workflowType,
          t.exceptionType ?? '?',
          t.storeId ?? '(no store)',
          t.owner ?? '?',
          utc(t.since),
        ]),
      ),
    );
    const refusing = p.targets.filter((t) => t.verdict.kind === 'refuses');
    const unknown = p.targets.filter((t) => t.verdict.kind === 'unknown');
    const accepting = n - refusing.length - unknown.length;
    if (accepting === n) out.push(`All ${n} allow ${action}.`);
    else {
      const parts = [`${accepting} allow ${action}`];
      if (refusing.length) parts.push(`${refusing.length} will refuse it`);
      if (unknown.length) parts.push(`${unknown.length} did not say`);
      out.push(
        `${parts.join('; ')} (every one gets the signal; one that refuses it changes nothing and records the refusal in its status):`,
      );
      for (const t of [...refusing, ...unknown])
        out.push(
          `  ${t.workflowId}: ${t.verdict.kind === 'refuses' ? t.verdict.reason : (t.verdict as { problem: string }).problem}`,
        );
    }
  }
  if (p.leftOut.length)
    out.push(
      `Left out, listed but no longer parked (resolved since): ${p.leftOut.map((l) => l.workflowId).join(', ')}`,
    );
  return out.join('\n');
}

export function renderReport(p: BulkPreview, outcomes: Map<BulkTarget, BulkOutcome>, wait: string): string {
  const rows = p.targets.map((t) => {
    const o = outcomes.get(t) ?? { kind: 'pending' };
    const detail =
      o.kind === 'accepted'
        ? `${where(t)}; ${o.now}`
        : o.kind === 'refused'
          ? `${where(t)}: ${o.reason}`
          : o.kind === 'failed'
            ? `${where(t)}: ${o.reason}`
            : `${where(t)}: no answer within ${wait}; the signal waits for its worker (see its status query later)`;
    return [o.kind, t.workflowId, detail];
  });
  const count = (kind: BulkOutcome['kind']) => [...outcomes.values()].filter((o) => o.kind === kind).length;
  return [
    ...table(rows),
    `${count('accepted')} accepted, ${count('refused')} refused, ${count('pending')} pending, ${count('failed')} failed`,
  ].join('\n');
}
