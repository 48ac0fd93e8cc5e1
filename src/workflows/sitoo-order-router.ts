import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { clickAndCollectWorkflowId, returnInStoreWorkflowId } from '../domain/ids';
import { OrderState, type SaleOrder } from '../domain/sale';
import { storePickupUpdateSignal, type StorePickupUpdate } from './click-and-collect-contract';
import { returnInStoreWorkflow } from './return-in-store';
import { startOnce } from './start-once';
import { RETURN_IN_STORE_TASK_QUEUE } from './return-in-store-contract';

/**
 * The Sitoo order router's acts: what happens to an order `routeSitooOrder` (domain) says is not a
 * till sale. Every Sitoo order event starts `saleWorkflow` under the order's id (so duplicates and
 * the poll dedupe on it, and running histories keep their type); its first step routes, and only
 * sales stay in it. This is where returns start and where pickup orders' store steps go.
 */

export interface RoutedOrder {
  accountId: number;
  eshopId: number;
  orderId: number;
  erpLateCommitWindow?: string;
}

/** A return: the return flow takes it, started once under the return's own id. */
export async function handOverReturn(routed: RoutedOrder): Promise<string> {
  const id = returnInStoreWorkflowId(routed.accountId, routed.orderId);
  await startOnce(
    returnInStoreWorkflow,
    id,
    RETURN_IN_STORE_TASK_QUEUE,
    [
      {
        accountId: routed.accountId,
        eshopId: routed.eshopId,
        sitooOrderId: routed.orderId,
        ...(routed.erpLateCommitWindow ? { erpLateCommitWindow: routed.erpLateCommitWindow } : {}),
      },
    ],
    `Return in store: Sitoo order ${routed.accountId}-${routed.orderId}`,
  );
  return id;
}

export interface PickupRelay {
  /** Store steps (ready, rejected) queued by the order's signal handler: they change no order state. */
  storeSteps: StorePickupUpdate[];
  /** Resolves at the next order event. */
  nextChange(): Promise<void>;
  /** Sitoo's order as it is now. */
  readOrder(): Promise<SaleOrder>;
}

/**
 * A web pickup order's Sitoo side: the store's steps arrive at this workflow (Sitoo events name
 * only the Sitoo order) and go on to the web order's click & collect workflow until the order closes.
 */
export async function relayPickupSteps(
  order: SaleOrder,
  webOrderId: string,
  relay: PickupRelay,
): Promise<{ outcome: 'handed-over' | 'ignored'; reason: string }> {
  const target = getExternalWorkflowHandle(clickAndCollectWorkflowId(webOrderId));
  try {
    for (;;) {
      for (const step of relay.storeSteps.splice(0)) await target.signal(storePickupUpdateSignal, step);
      const closed =
        order.orderStateId === OrderState.Closed
          ? 'collected'
          : order.orderStateId === OrderState.Cancelled
            ? 'cancelled'
            : undefined;
      if (closed) {
        await target.signal(storePickupUpdateSignal, {
          sitooOrderId: order.orderId,
          key: `state-${order.orderStateId}`,
          kind: closed,
        });
        return { outcome: 'handed-over', reason: `web order ${webOrderId}: ${closed} in the store` };
      }
      await relay.nextChange();
      order = await relay.readOrder();
    }
  } catch (err) {
    // A web order put into Sitoo by something other than click & collect has nobody to relay to.
    log.warn('no click & collect workflow to relay to', { webOrderId, error: String(err) });
    return { outcome: 'ignored', reason: `web order ${webOrderId} has no click & collect workflow` };
  }
}
