import { z } from 'zod';

/** Wire shapes of the Admin GraphQL responses the client reads. Unknown fields are tolerated. */
export const throttleStatusSchema = z.object({
  maximumAvailable: z.number(),
  currentlyAvailable: z.number(),
  restoreRate: z.number(),
});
export type ThrottleStatus = z.infer<typeof throttleStatusSchema>;

export const costSchema = z.object({
  requestedQueryCost: z.number().nullish(),
  actualQueryCost: z.number().nullish(),
  throttleStatus: throttleStatusSchema.optional(),
});
export type QueryCost = z.infer<typeof costSchema>;

export const graphqlErrorSchema = z.object({
  message: z.string(),
  extensions: z.looseObject({ code: z.string().optional() }).optional(),
});

/** `errors` is an array for GraphQL failures, but a plain string (or object) on 401/404/400. */
export const envelopeSchema = z.object({
  data: z.unknown().optional(),
  errors: z.union([z.array(graphqlErrorSchema), z.string(), z.record(z.string(), z.unknown())]).optional(),
  extensions: z.looseObject({ cost: costSchema.optional() }).optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** The envelope of any answer, or undefined when the body is not one (plain-text 5xx, HTML). */
export function tryEnvelope(text: string): Envelope | undefined {
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** `errors` as text, whichever of its shapes the answer used. */
export function errorText(envelope: Envelope | undefined): string | undefined {
  const errors = envelope?.errors;
  if (errors === undefined) return undefined;
  if (typeof errors === 'string') return errors;
  if (Array.isArray(errors)) return errors.map((e) => e.message).join('; ');
  return JSON.stringify(errors);
}

const pageInfoSchema = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });

export const locationsDataSchema = z.object({
  locations: z.object({
    nodes: z.array(z.object({ id: z.string(), name: z.string(), isActive: z.boolean() })),
    pageInfo: pageInfoSchema,
  }),
});

export const variantsDataSchema = z.object({
  productVariants: z.object({
    nodes: z.array(z.object({ sku: z.string().nullable(), inventoryItem: z.object({ id: z.string() }) })),
    pageInfo: pageInfoSchema,
  }),
});

export const inventoryLevelDataSchema = z.object({
  inventoryItem: z
    .object({
      id: z.string(),
      inventoryLevel: z
        .object({ id: z.string(), quantities: z.array(z.object({ name: z.string(), quantity: z.number().int() })) })
        .nullable(),
    })
    .nullable(),
});

export const userErrorSchema = z.object({
  field: z.array(z.string()).nullish(),
  message: z.string(),
  code: z.string().nullish(),
});

export const setQuantitiesDataSchema = z.object({
  inventorySetQuantities: z.object({
    inventoryAdjustmentGroup: z
      .object({
        changes: z.array(
          z.object({ name: z.string(), delta: z.number().int(), quantityAfterChange: z.number().int().nullable() }),
        ),
      })
      .nullable(),
    userErrors: z.array(userErrorSchema),
  }),
});

const quantitiesSchema = z.array(z.object({ name: z.string(), quantity: z.number().int() }));

/** One entry per requested id, in order; null for an unknown id, `{}` for an id of another type. */
export const quantitiesManyDataSchema = z.object({
  nodes: z.array(z.object({ inventoryLevel: z.object({ quantities: quantitiesSchema }).nullish() }).nullable()),
});

export const locationLevelsDataSchema = z.object({
  location: z
    .object({
      inventoryLevels: z.object({
        nodes: z.array(
          z.object({ item: z.object({ id: z.string(), sku: z.string().nullable() }), quantities: quantitiesSchema }),
        ),
        pageInfo: pageInfoSchema,
      }),
    })
    .nullable(),
});
