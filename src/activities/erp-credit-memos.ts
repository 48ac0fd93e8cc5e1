import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ErpCreditMemo, ErpCreditMemoInput, ErpPort } from '../connectors/erp/port';
import { PermanentError } from '../connectors/http';
import { formatCents } from '../domain/money';
import { attemptSignal, isLaterAttempt, type KeyedLock } from './attempt';
import { byNumber, erpWrites } from './erp-orders';
import { FAILURE_TYPES } from './failures';

/**
 * A return's credit memo, exactly once in effect. Several returns share one external document
 * number (the original order's), so a memo is this return's when its lines carry the return's
 * description. Like sales orders, memos are looked for before and after creating: a create that
 * landed after its client gave up leaves a second draft, which is deleted before anything posts.
 */
export interface CreditMemoKey {
  externalDocumentNumber: string;
  customerNumber: string;
  /** The line description that names this return (returnLineDescription). */
  description: string;
}

/** This return's memos reduced to one: the posted one, else the oldest draft; other drafts deleted. */
export async function settleCreditMemos(
  erp: ErpPort,
  key: CreditMemoKey,
  signal?: AbortSignal,
): Promise<{ memo?: ErpCreditMemo; removed: number }> {
  const memos = (
    await erp.findSalesCreditMemos(key.externalDocumentNumber, { signal, customerNumber: key.customerNumber })
  ).filter((m) => m.lines.some((l) => l.description === key.description));
  const posted = memos.filter((m) => m.posted).sort(byNumber);
  if (posted.length > 1) {
    throw ApplicationFailure.nonRetryable(
      `the ERP holds ${posted.length} posted credit memos for ${key.description} (${posted.map((m) => m.number).join(', ')}): the return was booked more than once; cancel all but ${posted[0]!.number} in the ERP, then retry`,
      FAILURE_TYPES.erpRejected,
    );
  }
  const drafts = memos.filter((m) => !m.posted).sort(byNumber);
  const keep = posted[0] ?? drafts[0];
  const twins = drafts.filter((d) => d !== keep);
  for (const twin of twins) await erp.deleteSalesCreditMemo(twin.id, { signal });
  if (twins.length)
    log.warn('took back twin ERP credit memos of one return', {
      return: key.description,
      kept: keep?.number,
      deleted: twins.map((t) => t.number),
    });
  return { memo: keep, removed: twins.length };
}

/** Creates (once), checks the amount the ERP will book, posts. Returns the posted memo's number. */
export async function bookCreditMemo(
  erp: ErpPort,
  key: CreditMemoKey,
  input: ErpCreditMemoInput,
  writes: KeyedLock = erpWrites,
): Promise<{ number: string; twinsRemoved: number; lateTwinPossible: boolean }> {
  const signal = attemptSignal();
  const lateTwinPossible = isLaterAttempt();
  return writes.run(
    `memo:${key.externalDocumentNumber}:${key.description}`,
    async () => {
      const before = await settleCreditMemos(erp, key, signal);
      let memo = before.memo;
      let removed = before.removed;
      if (!memo) {
        const created = await erp.createSalesCreditMemo(input, { signal });
        const after = await settleCreditMemos(erp, key, signal);
        memo = after.memo ?? created;
        removed += after.removed;
      }
      if (!memo.posted) {
        // Also a draft an earlier attempt left: nothing is posted before its amount is checked.
        await checkBooksWhatWasRefunded(erp, memo, input, signal);
        await erp.postSalesCreditMemo(memo.id, { signal });
      }
      // Posting gives the memo its posted number; the draft's is gone.
      const posted = (await settleCreditMemos(erp, key, signal)).memo;
      return { number: posted?.number ?? memo.number, twinsRemoved: removed, lateTwinPossible };
    },
    signal,
  );
}

/** The late-twin sweep for a return: once no late create can land, drafts beside the posted memo go. */
export async function sweepCreditMemoTwins(erp: ErpPort, key: CreditMemoKey): Promise<number> {
  const signal = attemptSignal();
  return erpWrites.run(
    `memo:${key.externalDocumentNumber}:${key.description}`,
    async () => (await settleCreditMemos(erp, key, signal)).removed,
    signal,
  );
}

/**
 * A credit memo cannot say its prices include VAT: the customer card decides. With it off, the
 * VAT-inclusive unit prices would be booked as net and VAT added on top, refunding more than was
 * paid. Such a draft is deleted (a retry must not find and post it) and the return refused.
 */
async function checkBooksWhatWasRefunded(
  erp: ErpPort,
  memo: ErpCreditMemo,
  input: ErpCreditMemoInput,
  signal?: AbortSignal,
): Promise<void> {
  const expected = input.lines.reduce((n, l) => n + l.quantity * l.unitPriceCents, 0);
  const booked = memo.totalCents;
  if (memo.pricesIncludeTax && booked === expected) return;
  await erp.deleteSalesCreditMemo(memo.id, { signal });
  throw new PermanentError(
    `the ERP would book credit memo ${memo.number} for ${input.externalDocumentNumber} at ${formatCents(booked)} where the return refunded ${formatCents(expected)}` +
      (memo.pricesIncludeTax
        ? ''
        : `: customer ${input.customerNumber} has "Prices Including VAT" off; turn it on for the store's walk-in customer and retry`),
    'erp',
    0,
    'ErpTotalDiffers',
  );
}
