import type { Client } from '@temporalio/client';
import type { ExceptionType } from '../domain/exceptions';
import { saleWorkflowId, sitooOrderErpDocumentNumber } from '../domain/ids';
import type { LocalStack } from '../local/stack';
import { statusQuery, type SaleStatus } from '../workflows/sale-contract';
import type { PlannedSale, SaleKind, Scenario } from './scenario';

/**
 * The demo checks itself against the simulators, the way an auditor would: one posted ERP
 * document per paid sale and none for the rest, and every sale either completed or parked with
 * the right exception. Stock is audited in stock.ts.
 */
export interface PlayedSale {
  orderId: number;
  sale: PlannedSale;
}

export const EXPECTED_EXCEPTION: Partial<Record<SaleKind, ExceptionType>> = {
  'never-paid': 'payment-not-confirmed',
  'unknown-sku': 'unknown-sku',
  'unmapped-warehouse': 'unmapped-warehouse',
};

/** Sales that end up in the ERP; a `new-sku` sale does once the product sync has created its SKU. */
export const BOOKED: SaleKind[] = ['paid', 'paid-late', 'new-sku'];

export async function readStatuses(
  client: Client,
  accountId: number,
  played: PlayedSale[],
): Promise<Map<number, { closed: boolean; status: SaleStatus }>> {
  const out = new Map<number, { closed: boolean; status: SaleStatus }>();
  // A few at a time: hundreds of simultaneous queries only queue up inside the dev server.
  const queue = played.map((p) => p.orderId);
  const reader = async () => {
    for (let orderId = queue.shift(); orderId !== undefined; orderId = queue.shift()) {
      const handle = client.workflow.getHandle(saleWorkflowId(accountId, orderId));
      const [d, status] = await Promise.all([handle.describe(), handle.query(statusQuery)]);
      out.set(orderId, { closed: d.status.name !== 'RUNNING', status });
    }
  };
  await Promise.all(Array.from({ length: 8 }, reader));
  return out;
}

export type SaleStatuses = Awaited<ReturnType<typeof readStatuses>>;

/**
 * No ERP document exists twice for one business key: a sale or web order's document per key and
 * customer, a return's credit memo per return, a store stock change's adjustment per transaction.
 */
export function checkErpTwins(stack: LocalStack): string[] {
  const twice = <T>(items: T[], key: (t: T) => string, what: string): string[] => {
    const count = new Map<string, number>();
    for (const i of items) count.set(key(i), (count.get(key(i)) ?? 0) + 1);
    return [...count].filter(([, n]) => n > 1).map(([k, n]) => `${n} ERP ${what} for one business key ${k}`);
  };
  return [
    ...twice(
      stack.erp.state.salesDocuments(),
      (d) => `${d.customerNumber}/${d.externalDocumentNumber}`,
      'sales documents',
    ),
    ...twice(
      stack.erp.state.creditMemos(),
      (m) => `${m.customerNumber}/${m.externalDocumentNumber}/${m.lines[0]?.description ?? ''}`,
      'credit memos',
    ),
    ...twice(stack.erp.state.stockAdjustments(), (a) => a.externalDocumentNumber, 'stock adjustments'),
  ];
}

export function checkEndState(
  stack: LocalStack,
  scenario: Scenario,
  played: PlayedSale[],
  statuses: SaleStatuses,
): string[] {
  const problems: string[] = [...checkErpTwins(stack)];
  const docs = stack.erp.state.salesDocuments();
  for (const { orderId, sale } of played) {
    const mine = docs.filter(
      (d) => d.externalDocumentNumber === sitooOrderErpDocumentNumber(stack.env.SITOO_ACCOUNT_ID, orderId),
    );
    const store = scenario.stores.find((s) => s.storeId === sale.storeId)!;
    if (BOOKED.includes(sale.kind)) {
      if (mine.length !== 1)
        problems.push(`sale ${orderId} (${sale.kind}) has ${mine.length} ERP documents, expected exactly 1`);
      else if (mine[0]!.kind !== 'invoice') problems.push(`sale ${orderId} ERP order ${mine[0]!.number} is not posted`);
      else if (mine[0]!.lines.some((l) => l.locationCode !== store.erpLocationCode))
        problems.push(`sale ${orderId} booked at the wrong ERP location`);
    } else if (mine.length) {
      problems.push(`sale ${orderId} (${sale.kind}) has ${mine.length} ERP documents, expected none`);
    }
    const wf = statuses.get(orderId);
    const expected = EXPECTED_EXCEPTION[sale.kind];
    const actual = wf?.status.exception
      ? `parked as ${wf.status.exception.type}: ${wf.status.exception.message}`
      : wf?.status.step;
    if (expected && wf?.status.exception?.type !== expected)
      problems.push(`sale ${orderId} should be parked as ${expected}, is ${actual}`);
    if (!expected && !(wf?.closed && wf.status.step === 'completed'))
      problems.push(`sale ${orderId} should be completed, is ${actual}`);
  }
  return problems;
}
