import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  buildClientSchema,
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  parse,
  validate,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import * as inventoryDocuments from '../../src/connectors/ecommerce/shopify/queries';
import * as orderDocuments from '../../src/connectors/ecommerce/shopify/order-queries';
import * as pollDocuments from '../../src/connectors/ecommerce/shopify/order-poll';
import * as catalogueDocuments from '../../src/connectors/ecommerce/shopify/catalogue';
import { schema as simulatorSchema } from '../../src/simulators/shopify/schema';
import { PROJECT_ROOT } from '../../src/local/temporal-cli';

/**
 * The Shopify contract, offline: Shopify's own Admin GraphQL 2026-04 introspection, as shipped in
 * the npm package @shopify/dev-mcp. Every document the connector sends must validate against it
 * (a field Shopify renamed or removed, a wrong argument type, would otherwise surface only in
 * production), and the simulator may not offer a field or argument that Shopify does not have,
 * or type one differently: its schema stands in for Shopify's in every other test.
 */
function shopifyAdminSchema(): GraphQLSchema {
  // The package exports no subpaths, so it is found where npm installs it.
  const pkg = join(PROJECT_ROOT, 'node_modules', '@shopify', 'dev-mcp');
  const json = JSON.parse(gunzipSync(readFileSync(join(pkg, 'dist/data/admin_2026-04.json.gz'))).toString('utf8')) as {
    data: IntrospectionQuery;
  };
  return buildClientSchema(json.data);
}

const shopify = shopifyAdminSchema();

/** Every exported GraphQL document of the connector's modules (the ones it sends). */
const documents = Object.entries({
  ...inventoryDocuments,
  ...orderDocuments,
  ...pollDocuments,
  ...catalogueDocuments,
}).filter(
  (entry): entry is [string, string] => typeof entry[1] === 'string' && /^\s*(query|mutation)\s/.test(entry[1]),
);

describe('Shopify Admin API 2026-04 contract', () => {
  it('finds the connector documents to check', () => {
    expect(documents.map(([name]) => name).sort()).toEqual(
      expect.arrayContaining([
        'SET_ON_HAND',
        'ORDER',
        'REFUND_CREATE',
        'ORDERS_CHANGED_SINCE',
        'WEBHOOK_SUBSCRIPTION_CREATE',
        'PRODUCT_SET',
        'PRODUCT_BY_IDENTIFIER',
        'PRODUCT_BY_ID',
        'VARIANT_PRICES_BY_SKU',
        'VARIANTS_BULK_UPDATE',
        'STAGED_UPLOADS_CREATE',
        'BULK_OPERATION_RUN_MUTATION',
        'BULK_OPERATION',
      ]),
    );
    expect(documents.length).toBeGreaterThanOrEqual(22);
  });

  it.each(documents)('%s validates against the real Admin schema', (_name, document) => {
    const errors = validate(shopify, parse(document)).map((e) => e.message);
    expect(errors).toEqual([]);
  });

  it("the simulator's schema offers nothing Shopify lacks, with the same types", () => {
    const differences: string[] = [];
    for (const type of Object.values(simulatorSchema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      // Shopify names its query root QueryRoot.
      const real = type === simulatorSchema.getQueryType() ? shopify.getQueryType() : shopify.getType(type.name);
      if (!real) {
        differences.push(`type ${type.name}: not in Shopify's schema`);
        continue;
      }
      if ((isObjectType(type) || isInterfaceType(type)) && (isObjectType(real) || isInterfaceType(real))) {
        const realFields = real.getFields();
        for (const field of Object.values(type.getFields())) {
          const match = realFields[field.name];
          if (!match) {
            differences.push(`${type.name}.${field.name}: not in Shopify's schema`);
            continue;
          }
          // A nullable field the simulator makes non-null is fine; a different named type is not.
          if (getNamedType(match.type).name !== getNamedType(field.type).name)
            differences.push(`${type.name}.${field.name}: ${String(field.type)}, Shopify ${String(match.type)}`);
          for (const arg of field.args) {
            const realArg = match.args.find((a) => a.name === arg.name);
            if (!realArg) differences.push(`${type.name}.${field.name}(${arg.name}): not in Shopify's schema`);
            else if (String(realArg.type) !== String(arg.type))
              differences.push(
                `${type.name}.${field.name}(${arg.name}): ${String(arg.type)}, Shopify ${String(realArg.type)}`,
              );
          }
        }
      }
      if (isInputObjectType(type) && isInputObjectType(real)) {
        const realFields = real.getFields();
        for (const field of Object.values(type.getFields())) {
          const match = realFields[field.name];
          if (!match) differences.push(`${type.name}.${field.name}: not in Shopify's schema`);
          else if (String(match.type) !== String(field.type))
            differences.push(`${type.name}.${field.name}: ${String(field.type)}, Shopify ${String(match.type)}`);
        }
        // A field Shopify requires that the simulator does not know: the connector could omit it unnoticed.
        for (const field of Object.values(realFields))
          if (String(field.type).endsWith('!') && field.defaultValue === undefined && !type.getFields()[field.name])
            differences.push(`${type.name}.${field.name}: required by Shopify, unknown to the simulator`);
      }
    }
    expect(differences).toEqual([]);
  });
});
