import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { webLevelKey, type EcommercePort, type WebLevelKey } from '../connectors/ecommerce/port';
import { callOrFail, FAILURE_TYPES, toActivityFailure } from './failures';
import { PermanentError } from '../connectors/http';

/** A level's on_hand as the caller wants the web shop to hold it, computed from the location's stock master. */
export interface WebTarget {
  locationId: string;
  sku: string;
  level: WebLevelKey;
  onHand: number;
}

export interface WriteOutcome {
  /** Levels whose on_hand was written, from the value believed current to the target. */
  changes: Array<{ locationId: string; sku: string; from: number; to: number }>;
  calls: number;
  staleRetries: number;
  notStocked: number;
  rejected: Array<{ locationId: string; sku: string; message: string }>;
}

/** Compare-and-set conflicts in a row before the activity gives up and Temporal retries it. */
const MAX_STALE_ROUNDS = 5;

/**
 * Writes absolute web on_hand with compare-and-set, remembering per worker process what each
 * level's on_hand was last seen or written as, so a steady stream of changes costs one write call
 * per batch and no reads. The memory is only a guess: a wrong guess is a compare-and-set conflict,
 * which re-reads the truth and recomputes, so a stale value never overwrites a newer one. Placing a
 * web order moves the shop's available and committed, not its on_hand; fulfilling one lowers
 * on_hand, which callers that know of it handle by forgetting the level first.
 */
export class WebStockWriter {
  private readonly believed = new Map<string, number>();
  private readonly itemIds = new Map<string, string>();

  constructor(private readonly ecommerce: EcommercePort) {}

  /** Inventory item ids for SKUs, asking the shop only about ones not seen before. */
  async itemIdsFor(skus: string[], out: { calls: number }): Promise<Map<string, string>> {
    const missing = [...new Set(skus.filter((s) => !this.itemIds.has(s)))];
    if (missing.length) {
      out.calls++;
      const found = await callOrFail(FAILURE_TYPES.ecommerceRejected, () => this.ecommerce.findInventoryItems(missing));
      for (const [sku, id] of found) this.itemIds.set(sku, id);
    }
    return new Map(skus.filter((s) => this.itemIds.has(s)).map((s) => [s, this.itemIds.get(s)!]));
  }

  /** Learn what the shop holds from a full listing (the drift check reads it anyway). */
  remember(level: WebLevelKey, sku: string | null, onHand: number): void {
    this.believed.set(webLevelKey(level), onHand);
    if (sku) this.itemIds.set(sku, level.inventoryItemId);
  }

  /** Forget what we believe about these levels, so the next write reads them first. */
  forget(levels: WebLevelKey[]): void {
    for (const l of levels) this.believed.delete(webLevelKey(l));
  }

  /**
   * Brings each level to its target in as few calls as possible. `keyPrefix` must be unique per
   * logical write (workflow id + flush number): with the content hash it forms the idempotency key,
   * so a retried activity sending the same values replays, and one sending newer values does not.
   */
  async write(targets: WebTarget[], keyPrefix: string, referenceDocumentUri: string): Promise<WriteOutcome> {
    const out: WriteOutcome = { changes: [], calls: 0, staleRetries: 0, notStocked: 0, rejected: [] };
    let pending = targets;
    for (let round = 0; round < MAX_STALE_ROUNDS; round++) {
      const unknown = pending.filter((t) => !this.believed.has(webLevelKey(t.level)));
      const notStocked = new Set<string>();
      if (unknown.length) {
        out.calls++;
        const current = await callOrFail(FAILURE_TYPES.ecommerceRejected, () =>
          this.ecommerce.getOnHandMany(unknown.map((t) => t.level)),
        );
        for (const t of unknown) {
          const value = current.get(webLevelKey(t.level));
          if (value === undefined) notStocked.add(webLevelKey(t.level));
          else this.believed.set(webLevelKey(t.level), value);
        }
      }
      out.notStocked += notStocked.size;
      const changes = pending.filter(
        (t) => !notStocked.has(webLevelKey(t.level)) && this.believed.get(webLevelKey(t.level)) !== t.onHand,
      );
      if (changes.length === 0) return out;
      const quantities = changes.map((t) => ({
        ...t.level,
        quantity: t.onHand,
        changeFromQuantity: this.believed.get(webLevelKey(t.level))!,
      }));
      const hash = createHash('sha256').update(JSON.stringify(quantities)).digest('hex').slice(0, 16);
      out.calls++;
      let result;
      try {
        result = await this.ecommerce.setOnHandMany({
          quantities,
          idempotencyKey: `${keyPrefix}:${round}:${hash}`,
          referenceDocumentUri,
        });
      } catch (err) {
        if (!(err instanceof PermanentError)) throw toActivityFailure(err, FAILURE_TYPES.ecommerceRejected);
        if (changes.length === 1) {
          out.rejected.push({ locationId: changes[0]!.locationId, sku: changes[0]!.sku, message: err.message });
          return out;
        }
        // One bad level must not hold back the others: write them one by one to find it.
        for (const [i, t] of changes.entries())
          merge(out, await this.write([t], `${keyPrefix}:${round}:${i}`, referenceDocumentUri));
        return out;
      }
      if (result.outcome === 'applied') {
        for (const [i, q] of quantities.entries()) {
          const t = changes[i]!;
          out.changes.push({ locationId: t.locationId, sku: t.sku, from: q.changeFromQuantity, to: q.quantity });
          this.believed.set(webLevelKey(q), q.quantity);
        }
        return out;
      }
      out.staleRetries++;
      this.forget(changes.map((c) => c.level));
      pending = changes;
    }
    throw ApplicationFailure.retryable(
      `web stock kept changing under ${MAX_STALE_ROUNDS} compare-and-set attempts; retrying`,
      'StockWriteContention',
    );
  }
}

function merge(into: WriteOutcome, from: WriteOutcome): void {
  into.changes.push(...from.changes);
  into.calls += from.calls;
  into.staleRetries += from.staleRetries;
  into.notStocked += from.notStocked;
  into.rejected.push(...from.rejected);
}
