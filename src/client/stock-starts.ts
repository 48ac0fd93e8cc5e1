import type { Client } from '@temporalio/client';
import {
  erpStockPollScheduleId,
  STOCK_TASK_QUEUE,
  stockChangedSignal,
  stockDriftScheduleId,
  stockSyncSummary,
  stockSyncWorkflowId,
  type ErpStockPollInput,
  type StockChange,
  type StockDriftInput,
  type StockSyncInput,
  type StockSyncWorkflow,
} from '../workflows/stock-contract';
import { ensureIntervalSchedule, updateScheduleArgs } from './interval-schedule';

/** Hands a stock change to the account's coalescer, starting it if it is not running. */
export async function signalStockChanged(client: Client, accountId: number, change: StockChange): Promise<void> {
  await client.workflow.signalWithStart<StockSyncWorkflow, [StockChange]>('stockSyncWorkflow', {
    workflowId: stockSyncWorkflowId(accountId),
    taskQueue: STOCK_TASK_QUEUE,
    args: [{ accountId } satisfies StockSyncInput],
    staticSummary: stockSyncSummary(accountId),
    signal: stockChangedSignal,
    signalArgs: [change],
  });
}

/** Warehouse stock is read from the ERP's item ledger on an interval; the entry-number cursor lives in the schedule. */
export async function ensureErpStockPollSchedule(
  client: Client,
  opts: { accountId: number; every: string; afterEntryNumber?: number; pageSize?: number },
): Promise<string> {
  const scheduleId = erpStockPollScheduleId(opts.accountId);
  const args: ErpStockPollInput = {
    scheduleId,
    afterEntryNumber: opts.afterEntryNumber ?? 0,
    pageSize: opts.pageSize ?? 500,
    maxPages: 20,
  };
  return ensureIntervalSchedule(client, {
    scheduleId,
    workflowType: 'erpStockPollWorkflow',
    taskQueue: STOCK_TASK_QUEUE,
    every: opts.every,
    args,
    note: 'ERP warehouse stock; the item-ledger cursor is in the action arguments',
    summary: `ERP warehouse stock poll of Sitoo account ${opts.accountId}`,
  });
}

export async function saveErpStockCursor(client: Client, scheduleId: string, afterEntryNumber: number): Promise<void> {
  await updateScheduleArgs<ErpStockPollInput>(client, scheduleId, (current) => ({
    ...current,
    afterEntryNumber: Math.max(current.afterEntryNumber, afterEntryNumber),
  }));
}

/** The full master-versus-web comparison per location, on an interval. */
export async function ensureStockDriftSchedule(
  client: Client,
  opts: { accountId: number; every: string; settle: string },
): Promise<string> {
  const scheduleId = stockDriftScheduleId(opts.accountId);
  const args: StockDriftInput = { settle: opts.settle };
  return ensureIntervalSchedule(client, {
    scheduleId,
    workflowType: 'stockDriftWorkflow',
    taskQueue: STOCK_TASK_QUEUE,
    every: opts.every,
    args,
    note: 'Stock drift check: master vs web per location, repaired and reported',
    summary: `Stock drift check of Sitoo account ${opts.accountId}`,
  });
}
