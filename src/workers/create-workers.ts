import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createErpStockPollActivities } from '../activities/erp-stock-poll-activities';
import { createInventoryActivities } from '../activities/inventory-activities';
import { createClickAndCollectActivities } from '../activities/click-and-collect-activities';
import { createEndOfDayActivities } from '../activities/end-of-day-activities';
import { createPollActivities } from '../activities/poll-activities';
import { createReturnActivities } from '../activities/return-activities';
import { createSaleActivities } from '../activities/sale-activities';
import { createStockActivities } from '../activities/stock-sync-activities';
import { createStockAdjustmentActivities } from '../activities/stock-adjustment-activities';
import { createWebOrderPollActivities } from '../activities/web-order-poll-activities';
import { createCatalogueActivities } from '../activities/catalogue-activities';
import type { ShopifyCataloguePort, SitooCataloguePort } from '../connectors/catalogue/port';
import type { ProductMasterPort } from '../connectors/master/port';
import { saveCatalogueCursor } from '../client/catalogue-starts';
import { resumeUnknownSkuSales } from '../client/unknown-sku-resume';
import { createEscalationActivities } from '../activities/exception-escalation-activities';
import { createTeamNotifier, type TeamNotifier } from '../connectors/team-webhooks';
import { DEFAULT_SLA, type ExceptionType } from '../domain/exceptions';
import { createExceptionDesk } from '../client/exception-desk';
import { DEFAULT_JOURNAL_ACCOUNTS } from '../config/journal-accounts';
import type { EcommercePort } from '../connectors/ecommerce/port';
import type { PayoutPort } from '../connectors/payments/port';
import type { ErpPort } from '../connectors/erp/port';
import type { SitooPort } from '../connectors/sitoo/port';
import type { Mapping } from '../domain/mapping';
import { signalClickAndCollectCancelled, startClickAndCollect } from '../client/click-and-collect-starts';
import { startSale, type SaleStartConfig } from '../client/sale-starts';
import { saveSitooPollCursor } from '../client/sitoo-poll-schedule';
import { saveErpStockCursor, signalStockChanged } from '../client/stock-starts';
import { saveWebOrderPollCursor } from '../client/web-order-poll-schedule';
import { TASK_QUEUES } from '../workflows/task-queues';
import type { Tracing } from '../bootstrap/tracing';
import { attemptInterceptor } from './attempt-interceptor';
import { activityTracing, WORKFLOW_INTERCEPTOR_MODULES, workflowSpanSinks } from './tracing';
import { createWorkerMetrics } from './worker-metrics';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

interface Common {
  connection: NativeConnection;
  namespace: string;
  /** Payload encryption (bootstrap/data-converter.ts): the same as the process's client's. */
  dataConverter?: DataConverter;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  client: Client;
  sitoo: SitooPort;
  erp: ErpPort;
  mapping: () => Mapping;
  /** A prebuilt bundle (tests bundle once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The process's trace export (bootstrap/tracing.ts); absent, workflow spans are dropped. */
  tracing?: Tracing;
}

/**
 * What both workers share: the one workflow bundle (task queues decide who runs what) with its
 * tracing interceptors, the attempt interceptor (every outside call of an activity attempt ends
 * with the attempt, attempt-interceptor.ts), the span sink and the drain time on shutdown.
 */
function createWorker(
  deps: Pick<Common, 'connection' | 'namespace' | 'dataConverter' | 'workflowBundle' | 'tracing' | 'shutdownGraceTime'>,
  options: Pick<WorkerOptions, 'taskQueue' | 'activities' | 'maxConcurrentActivityTaskExecutions'>,
): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    dataConverter: deps.dataConverter,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    interceptors: {
      // The activity's span first, so the attempt's own work and calls happen inside it.
      activity: [...activityTracing(deps.tracing), attemptInterceptor],
      ...(deps.workflowBundle ? {} : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }),
    },
    sinks: workflowSpanSinks(deps.tracing),
    shutdownGraceTime: deps.shutdownGraceTime ?? '20s',
    ...options,
  });
}

export interface MainWorkerDeps extends Common {
  sales: SaleStartConfig;
  ecommerce: EcommercePort;
  payouts: PayoutPort;
  /** Activity slots; a small number makes a backlog easy to build (the priority test). */
  maxConcurrentActivityTaskExecutions?: number;
  /** The exception escalation: the SLAs in force (default DEFAULT_SLA), the teams' webhooks, the UI to link to. */
  exceptionSlas?: () => Record<ExceptionType, string>;
  teamNotifier?: TeamNotifier;
  temporalUiUrl?: string;
}

/** Sale, click & collect, return, end-of-day, ERP-record and polling workflows and activities. */
export function createMainWorker(deps: MainWorkerDeps): Promise<Worker> {
  return createWorker(deps, {
    taskQueue: TASK_QUEUES.main,
    activities: {
      ...createSaleActivities({ sitoo: deps.sitoo, erp: deps.erp, mapping: deps.mapping }),
      ...createStockAdjustmentActivities({ sitoo: deps.sitoo, erp: deps.erp, mapping: deps.mapping }),
      ...createClickAndCollectActivities({
        sitoo: deps.sitoo,
        erp: deps.erp,
        ecommerce: deps.ecommerce,
        mapping: deps.mapping,
        signalStock: (change) => signalStockChanged(deps.client, deps.sales.accountId, change),
      }),
      ...createReturnActivities({ erp: deps.erp, ecommerce: deps.ecommerce, mapping: deps.mapping }),
      ...createEndOfDayActivities({
        sitoo: deps.sitoo,
        erp: deps.erp,
        payouts: deps.payouts,
        mapping: deps.mapping,
        accounts: DEFAULT_JOURNAL_ACCOUNTS,
      }),
      ...createPollActivities({
        sitoo: deps.sitoo,
        startSale: (orderId) => startSale(deps.client, deps.sales, orderId, 'poll'),
        signalStock: (change) => signalStockChanged(deps.client, deps.sales.accountId, change),
        saveCursor: (scheduleId, next) => saveSitooPollCursor(deps.client, scheduleId, next),
      }),
      ...createWebOrderPollActivities({
        ecommerce: deps.ecommerce,
        startClickAndCollect: (webOrderId, cfg) => startClickAndCollect(deps.client, cfg, webOrderId),
        signalCancelled: (webOrderId, cfg, noticeId) =>
          signalClickAndCollectCancelled(deps.client, cfg, webOrderId, noticeId),
        saveCursor: (scheduleId, cursor) => saveWebOrderPollCursor(deps.client, scheduleId, cursor),
      }),
      ...createEscalationActivities({
        desk: createExceptionDesk(deps.client, deps.temporalUiUrl),
        notifier: deps.teamNotifier ?? createTeamNotifier({}),
        slas: deps.exceptionSlas ?? (() => DEFAULT_SLA),
      }),
    },
    maxConcurrentActivityTaskExecutions: deps.maxConcurrentActivityTaskExecutions,
  });
}

export interface InventoryWorkerDeps extends Common {
  accountId: number;
  ecommerce: EcommercePort;
}

/**
 * The stock coalescer, ERP stock polling and drift checks, with their activities, on their own
 * task queue and slots: a batch on the main queue never queues ahead of them (inventory first).
 */
export function createInventoryWorker(deps: InventoryWorkerDeps): Promise<Worker> {
  const metrics = createWorkerMetrics();
  return createWorker(deps, {
    taskQueue: TASK_QUEUES.inventory,
    activities: {
      // Kept for sales started before stock followed warehouse transactions (their histories call these).
      ...createInventoryActivities({ ecommerce: deps.ecommerce }),
      ...createStockActivities({
        sitoo: deps.sitoo,
        erp: deps.erp,
        ecommerce: deps.ecommerce,
        mapping: deps.mapping,
        stockLatency: metrics.stockLatency,
      }),
      ...createErpStockPollActivities({
        erp: deps.erp,
        mapping: deps.mapping,
        signalStock: (change) => signalStockChanged(deps.client, deps.accountId, change),
        saveCursor: (scheduleId, after) => saveErpStockCursor(deps.client, scheduleId, after),
      }),
    },
    maxConcurrentActivityTaskExecutions: 200,
  });
}

export interface CatalogueWorkerDeps extends Omit<Common, 'sitoo' | 'erp'> {
  master: ProductMasterPort;
  sitooCatalogue?: SitooCataloguePort;
  shopifyCatalogue?: ShopifyCataloguePort;
  /** PRICE_UPDATE_SLA. */
  priceUpdateSla: string;
  /** Activity slots: few, since each holds a batch (default 4). */
  maxConcurrentActivityTaskExecutions?: number;
}

/**
 * Products and prices on their own task queue and slots, with connectors of their own (the
 * Shopify one spends only what the stock writes leave in the cost bucket): a full catalogue
 * load cannot delay a stock write.
 */
export function createCatalogueWorker(deps: CatalogueWorkerDeps): Promise<Worker> {
  return createWorker(deps, {
    taskQueue: TASK_QUEUES.catalogue,
    activities: createCatalogueActivities({
      master: deps.master,
      ...(deps.sitooCatalogue ? { sitoo: deps.sitooCatalogue } : {}),
      ...(deps.shopifyCatalogue ? { shopify: deps.shopifyCatalogue } : {}),
      mapping: deps.mapping,
      saveCursor: (scheduleId, cursor) => saveCatalogueCursor(deps.client, scheduleId, cursor),
      resumeUnknownSkus: (skus) => resumeUnknownSkuSales(deps.client, skus),
      priceUpdateSla: deps.priceUpdateSla,
    }),
    maxConcurrentActivityTaskExecutions: deps.maxConcurrentActivityTaskExecutions ?? 4,
  });
}
