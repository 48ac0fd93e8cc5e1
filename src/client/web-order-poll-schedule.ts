import type { Client } from '@temporalio/client';
import type { EventsReceiverEnv } from '../config/env';
import { parseDuration } from '../domain/duration';
import { wholeSeconds, type WebOrderPollCursor } from '../domain/web-order-poll';
import type { ClickAndCollectStartConfig } from '../workflows/click-and-collect-contract';
import {
  WEB_ORDER_POLL_TASK_QUEUE,
  webOrderPollScheduleId,
  type WebOrderPollInput,
} from '../workflows/web-order-poll-contract';
import { ensureIntervalSchedule, updateScheduleArgs } from './interval-schedule';

/**
 * The Shopify order poll runs as a Temporal Schedule per account, like the Sitoo polling fallback.
 * Its action's arguments hold the cursor; re-running set-up keeps the cursor and applies the
 * current settings (interval, settle, click & collect configuration, callback address).
 */
export interface WebOrderPollScheduleOptions {
  accountId: number;
  every: string;
  /** A new schedule starts this far back ('1d'); an existing one keeps its cursor. */
  lookback: string;
  settle: string;
  collect: ClickAndCollectStartConfig;
  callbackUrl?: string;
  pageSize?: number;
  maxPages?: number;
}

export async function ensureWebOrderPollSchedule(client: Client, opts: WebOrderPollScheduleOptions): Promise<string> {
  const scheduleId = webOrderPollScheduleId(opts.accountId);
  const lookbackMs = parseDuration(opts.lookback);
  if (lookbackMs === undefined) throw new Error(`lookback ${opts.lookback} is not a duration`);
  const settings = {
    pageSize: opts.pageSize ?? 100,
    maxPages: opts.maxPages ?? 10,
    settle: opts.settle,
    collect: opts.collect,
    ...(opts.callbackUrl ? { callbackUrl: opts.callbackUrl } : {}),
  };
  const args: WebOrderPollInput = {
    scheduleId,
    cursor: { updatedAtFrom: wholeSeconds(Date.now() - lookbackMs) },
    ...settings,
  };
  return ensureIntervalSchedule(client, {
    scheduleId,
    workflowType: 'webOrderPollWorkflow',
    taskQueue: WEB_ORDER_POLL_TASK_QUEUE,
    every: opts.every,
    args,
    note: 'Shopify order poll (orders changed since the cursor, and the webhook subscriptions); the cursor is in the action arguments',
    summary: `Shopify order poll of Sitoo account ${opts.accountId}`,
    upgradeArgs: (stored) => ({ scheduleId, cursor: stored.cursor, ...settings }),
  });
}

/** Moves the cursor forward, never back (a run finishing late must not rewind it). */
export async function saveWebOrderPollCursor(
  client: Client,
  scheduleId: string,
  next: WebOrderPollCursor,
): Promise<void> {
  await updateScheduleArgs<WebOrderPollInput>(client, scheduleId, (current) =>
    Date.parse(next.updatedAtFrom) < Date.parse(current.cursor.updatedAtFrom) ? current : { ...current, cursor: next },
  );
}

/** The schedule as the receiver process's environment configures it (the same click & collect settings as its webhooks). */
export function ensureWebOrderPollScheduleFromEnv(client: Client, env: EventsReceiverEnv): Promise<string> {
  return ensureWebOrderPollSchedule(client, {
    accountId: env.SITOO_ACCOUNT_ID,
    every: env.SHOPIFY_ORDER_POLL_INTERVAL,
    lookback: env.SHOPIFY_ORDER_POLL_LOOKBACK,
    settle: env.SHOPIFY_ORDER_POLL_SETTLE,
    callbackUrl: env.SHOPIFY_WEBHOOKS_CALLBACK_URL,
    collect: {
      accountId: env.SITOO_ACCOUNT_ID,
      pickupExpiry: env.CLICK_AND_COLLECT_EXPIRY,
      whenShort: env.CLICK_AND_COLLECT_WHEN_SHORT,
      vatPercent: env.WEB_ORDER_VAT_PERCENT,
      erpLateCommitWindow: env.ERP_LATE_COMMIT_WINDOW,
    },
  });
}
