import { BcError } from './odata';
import { asObject, codeField, dateField, parseLine, resolveCustomer } from './sales';
import type { BcSalesCreditMemo, BusinessCentralState } from './state';

/**
 * salesCreditMemos writes, following APIV2SalesCreditMemos.Page.al: deep insert validated as one
 * transaction, and the `post` action's checks in BC's order with BC's own error texts.
 */
const HEADER_PROPS = new Set([
  'externalDocumentNumber',
  'creditMemoDate',
  'postingDate',
  'dueDate',
  'customerId',
  'customerNumber',
  'currencyCode',
  'pricesIncludeTax',
  'salesCreditMemoLines',
]);

export function createSalesCreditMemo(state: BusinessCentralState, raw: unknown): BcSalesCreditMemo {
  const body = asObject(raw, 'salesCreditMemo', HEADER_PROPS);
  const externalDocumentNumber = codeField(body['externalDocumentNumber'], 'externalDocumentNumber', 35);
  const currencyCode = codeField(body['currencyCode'], 'currencyCode', 10);
  const creditMemoDate = dateField(body['creditMemoDate'], 'creditMemoDate', state.today());
  const postingDate = dateField(body['postingDate'], 'postingDate', creditMemoDate);
  const dueDate = dateField(body['dueDate'], 'dueDate', creditMemoDate);
  const customer = resolveCustomer(state, body);
  // Not editable on the credit memo API page: the customer card's "Prices Including VAT" decides.
  if (raw !== null && typeof raw === 'object' && 'pricesIncludeTax' in raw) {
    throw new BcError(
      400,
      'BadRequest_InvalidRequestBody',
      "The property 'pricesIncludeTax' is read-only on 'Microsoft.NAV.salesCreditMemo'.",
    );
  }

  const rawLines = body['salesCreditMemoLines'] ?? [];
  if (!Array.isArray(rawLines))
    throw new BcError(400, 'BadRequest_InvalidRequestBody', "'salesCreditMemoLines' must be a collection.");
  const lines = rawLines.map((l, i) => parseLine(state, l, (i + 1) * 10_000, 'salesCreditMemoLine'));

  return state.createCreditMemo(
    {
      externalDocumentNumber,
      creditMemoDate,
      postingDate,
      dueDate,
      customerId: customer.id,
      customerNumber: customer.number,
      customerName: customer.displayName,
      currencyCode,
      pricesIncludeTax: customer.pricesIncludeTax,
    },
    lines,
  );
}

/**
 * A second `post` is refused rather than ignored, as in BC: the posted memo keeps its id, so the
 * retry finds it and gets the draft-only error. Clients decide whether that means success.
 */
export function postSalesCreditMemo(state: BusinessCentralState, memo: BcSalesCreditMemo): void {
  if (memo.status !== 'Draft')
    throw new BcError(400, 'Application_DialogException', 'The action can be applied to a draft credit memo only.');
  if (memo.lines.length === 0)
    throw new BcError(400, 'Application_DialogException', 'Please add at least one line item to the credit memo.');
  if (memo.lines.some((l) => l.lineType === 'Item' && l.quantity === 0)) {
    throw new BcError(
      400,
      'Application_DialogException',
      'One or more document lines with a value in the No. field do not have a quantity specified.',
    );
  }
  if (!memo.lines.some((l) => l.lineType === 'Item'))
    throw new BcError(400, 'Application_DialogException', 'There is nothing to post.');
  state.postCreditMemo(memo);
}
