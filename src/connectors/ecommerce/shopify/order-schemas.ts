import { z } from 'zod';
import { userErrorSchema } from './schemas';

/** Wire shapes of the order, pickup, refund and cancel answers. Unknown fields are tolerated. */
const moneySchema = z.object({ shopMoney: z.object({ amount: z.union([z.string(), z.number()]).transform(String) }) });
const hasNextSchema = z.object({ hasNextPage: z.boolean() });

export const fulfillmentOrderStatusSchema = z.enum([
  'OPEN',
  'IN_PROGRESS',
  'SCHEDULED',
  'ON_HOLD',
  'INCOMPLETE',
  'CLOSED',
  'CANCELLED',
]);

export const orderDataSchema = z.object({
  order: z
    .object({
      id: z.string(),
      // UnsignedInt64 arrives as a string; tolerate a number too.
      legacyResourceId: z.union([z.string(), z.number()]).transform(String),
      name: z.string(),
      createdAt: z.string(),
      cancelledAt: z.string().nullable(),
      currencyCode: z.string(),
      displayFinancialStatus: z.string().nullable(),
      taxesIncluded: z.boolean(),
      totalRefundedSet: moneySchema,
      lineItems: z.object({
        nodes: z.array(
          z.object({
            id: z.string(),
            sku: z.string().nullable(),
            quantity: z.number().int(),
            originalUnitPriceSet: moneySchema,
            discountAllocations: z.array(z.object({ allocatedAmountSet: moneySchema })),
            taxLines: z.array(z.object({ priceSet: moneySchema })),
          }),
        ),
        pageInfo: hasNextSchema,
      }),
      transactions: z.array(
        z.object({
          id: z.string(),
          kind: z.string(),
          status: z.string(),
          gateway: z.string().nullable(),
          amountSet: moneySchema,
          parentTransaction: z.object({ id: z.string() }).nullable(),
        }),
      ),
      fulfillmentOrders: z.object({
        nodes: z.array(
          z.object({
            id: z.string(),
            status: fulfillmentOrderStatusSchema,
            deliveryMethod: z.object({ methodType: z.string() }).nullable(),
            assignedLocation: z.object({ location: z.object({ id: z.string() }).nullable() }),
            lineItems: z.object({
              nodes: z.array(
                z.object({
                  id: z.string(),
                  remainingQuantity: z.number().int(),
                  lineItem: z.object({ id: z.string(), sku: z.string().nullable() }),
                }),
              ),
              pageInfo: hasNextSchema,
            }),
          }),
        ),
        pageInfo: hasNextSchema,
      }),
      refunds: z.array(
        z.object({
          id: z.string(),
          refundLineItems: z.object({
            nodes: z.array(z.object({ quantity: z.number().int(), lineItem: z.object({ id: z.string() }) })),
            pageInfo: hasNextSchema,
          }),
        }),
      ),
    })
    .nullable(),
});
export type OrderData = NonNullable<z.infer<typeof orderDataSchema>['order']>;

export const orderCancelledAtDataSchema = z.object({
  order: z.object({ id: z.string(), cancelledAt: z.string().nullable() }).nullable(),
});

export const fulfillmentOrderStateDataSchema = z.object({
  fulfillmentOrder: z
    .object({
      id: z.string(),
      status: fulfillmentOrderStatusSchema,
      deliveryMethod: z.object({ methodType: z.string() }).nullable(),
    })
    .nullable(),
});

export const preparedForPickupDataSchema = z.object({
  fulfillmentOrderLineItemsPreparedForPickup: z.object({ userErrors: z.array(userErrorSchema) }),
});

export const fulfilDataSchema = z.object({
  fulfillmentCreate: z.object({
    fulfillment: z.object({ id: z.string(), status: z.string() }).nullable(),
    userErrors: z.array(userErrorSchema),
  }),
});

export const refundCreateDataSchema = z.object({
  refundCreate: z.object({
    refund: z.object({ id: z.string(), totalRefundedSet: moneySchema }).nullable(),
    userErrors: z.array(userErrorSchema),
  }),
});

const jobSchema = z.object({ id: z.string(), done: z.boolean() });

export const orderCancelDataSchema = z.object({
  orderCancel: z.object({
    job: jobSchema.nullable(),
    orderCancelUserErrors: z.array(userErrorSchema),
  }),
});

export const jobDataSchema = z.object({ job: jobSchema.nullable() });
