// The workflows the workers load (main and inventory load the same bundle; task queues decide who runs what).
export { saleWorkflow } from './sale';
export { sitooEventExceptionWorkflow } from './sitoo-event-exception';
export { sitooPollWorkflow } from './sitoo-poll';
export { stockSyncWorkflow } from './stock-sync';
// Registered under the type name it first had, which running workflows, histories and saved queries use.
export { stockAdjustmentWorkflow as stockMoveWorkflow } from './stock-adjustment';
export { erpStockPollWorkflow } from './erp-stock-poll';
export { stockDriftWorkflow } from './stock-drift';
export { recordedExceptionWorkflow } from './recorded-exception';
export { clickAndCollectWorkflow } from './click-and-collect';
export { webOrderPollWorkflow } from './web-order-poll';
export { returnInStoreWorkflow } from './return-in-store';
export { endOfDayWorkflow } from './end-of-day';
export { endOfDayTriggerWorkflow } from './end-of-day-trigger';
export { exceptionEscalationWorkflow } from './exception-escalation';
export { catalogueSyncWorkflow } from './catalogue-sync';
export { cataloguePushWorkflow } from './catalogue-push';
export { productRejectedWorkflow } from './product-rejected';
export { priceChangeWorkflow } from './price-change';
export { productEditCheckWorkflow } from './product-edit-check';
