import { recordedExceptionWorkflow } from './recorded-exception';
import { sitooEventExceptionInput, type SitooEventException } from './recorded-exception-contract';

/**
 * The workflow type unprocessable Sitoo events were recorded under before every exception became
 * a `recordedExceptionWorkflow`. Kept, as the same steps, so those still parked (ids
 * `sitoo-event-<account>-<key>`) run and resolve, and their histories replay. Nothing starts it now.
 */
export function sitooEventExceptionWorkflow(input: SitooEventException) {
  return recordedExceptionWorkflow(sitooEventExceptionInput(input));
}
