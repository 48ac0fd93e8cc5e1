import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createInventoryActivities } from '../activities/inventory-activities';
import { createPollActivities } from '../activities/poll-activities';
import { createSaleActivities } from '../activities/sale-activities';
import type { EcommercePort } from '../connectors/ecommerce/port';
import type { ErpPort } from '../connectors/erp/port';
import type { SitooPort } from '../connectors/sitoo/port';
import type { Mapping } from '../domain/mapping';
import { startSale, type SaleStartConfig } from '../starters/sale-starts';
import { saveSitooPollCursor } from '../starters/sitoo-poll-schedule';
import { TASK_QUEUES } from '../workflows/task-queues';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

interface Common {
  connection: NativeConnection;
  namespace: string;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

export interface MainWorkerDeps extends Common {
  client: Client;
  sitoo: SitooPort;
  erp: ErpPort;
  mapping: () => Mapping;
  sales: SaleStartConfig;
  /** A prebuilt bundle (tests bundle once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** Workflows plus the sale, ERP and polling activities. */
export function createMainWorker(deps: MainWorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: TASK_QUEUES.main,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: {
      ...createSaleActivities({ sitoo: deps.sitoo, erp: deps.erp, mapping: deps.mapping }),
      ...createPollActivities({
        sitoo: deps.sitoo,
        startSale: (orderId) => startSale(deps.client, deps.sales, orderId, 'poll'),
        saveCursor: (scheduleId, next) => saveSitooPollCursor(deps.client, scheduleId, next),
      }),
    },
    shutdownGraceTime: deps.shutdownGraceTime ?? '20s',
  });
}

export interface InventoryWorkerDeps extends Common {
  ecommerce: EcommercePort;
}

/** Web stock activities only, on their own task queue and slots, so nothing queues ahead of them. */
export function createInventoryWorker(deps: InventoryWorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: TASK_QUEUES.inventory,
    activities: createInventoryActivities({ ecommerce: deps.ecommerce }),
    maxConcurrentActivityTaskExecutions: 200,
    shutdownGraceTime: deps.shutdownGraceTime ?? '20s',
  });
}
