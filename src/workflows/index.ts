// The workflows the main worker loads.
export { saleWorkflow } from './sale';
export { sitooEventExceptionWorkflow } from './sitoo-event-exception';
export { sitooPollWorkflow } from './sitoo-poll';
