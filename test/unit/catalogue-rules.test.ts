import { describe, expect, it } from 'vitest';
import { parseMapping } from '../../src/config/mapping-file';
import {
  conflictPolicy,
  convertPriceBasis,
  fieldConflicts,
  projectProduct,
  variantSku,
  type MasterProductFields,
  type SubscriberMapping,
} from '../../src/domain/catalogue';

const product: MasterProductFields = {
  masterId: 'a1b2',
  sku: 'TEE-1',
  title: 'T-shirt',
  gtin: '7310000000017',
  categoryCode: 'TOPS',
  vatGroupCode: 'VAT25',
  blocked: false,
  variants: [],
  version: '2026-12-03T10:00:00.000Z',
};
const sitoo: SubscriberMapping = {
  fields: ['title', 'barcode', 'price', 'vat', 'active'],
  pricesIncludeTax: true,
  vatKeys: { VAT25: '1' },
  policy: { title: 'report' },
};

describe('catalogue rules', () => {
  it('sends a subscriber only the fields it receives, with its VAT key and its price', () => {
    const doc = projectProduct(product, sitoo, () => 19_900);
    expect(doc).toMatchObject({
      masterId: 'a1b2',
      sku: 'TEE-1',
      title: 'T-shirt',
      barcode: '7310000000017',
      vatKey: '1',
      active: true,
    });
    expect(doc).not.toHaveProperty('categoryCode');
    expect(doc.variants).toEqual([{ sku: 'TEE-1', title: 'Default', priceCents: 19_900, barcode: '7310000000017' }]);
  });

  it('sells variants under item-variant SKUs, without the item barcode, each at its own price', () => {
    const withVariants = {
      ...product,
      variants: [
        { code: 'RED', description: 'Red' },
        { code: 'BLUE', description: '' },
      ],
    };
    const doc = projectProduct(withVariants, sitoo, (code) => (code === 'RED' ? 100 : 200));
    expect(doc.barcode).toBeUndefined();
    expect(doc.variants).toEqual([
      { sku: 'TEE-1-RED', code: 'RED', title: 'Red', priceCents: 100 },
      { sku: 'TEE-1-BLUE', code: 'BLUE', title: 'BLUE', priceCents: 200 },
    ]);
    expect(variantSku('TEE-1', undefined)).toBe('TEE-1');
  });

  it('gives the same document the same fingerprint, and a changed mastered value another one', () => {
    const a = projectProduct(product, sitoo, () => 19_900);
    expect(projectProduct({ ...product, version: '2026-12-04T00:00:00.000Z' }, sitoo, () => 19_900).fingerprint).toBe(
      a.fingerprint,
    );
    expect(projectProduct(product, sitoo, () => 17_900).fingerprint).not.toBe(a.fingerprint);
    // A field the subscriber does not receive changes nothing it holds.
    expect(projectProduct({ ...product, categoryCode: 'OTHER' }, sitoo, () => 19_900).fingerprint).toBe(a.fingerprint);
  });

  it('finds edits of mastered fields only, per variant for prices', () => {
    const expected = projectProduct(product, sitoo, () => 19_900);
    const copy = {
      title: 'Cheap tee',
      barcode: '7310000000017',
      vatKey: '1',
      active: true,
      categoryCode: 'X',
      variants: [{ sku: 'TEE-1', priceCents: 100 }],
    };
    expect(fieldConflicts(expected, copy, sitoo.fields)).toEqual([
      { field: 'title', sku: 'TEE-1', theirs: 'Cheap tee', master: 'T-shirt' },
      { field: 'price', sku: 'TEE-1', theirs: 100, master: 19_900 },
    ]);
    expect(conflictPolicy(sitoo, 'title')).toBe('report');
    expect(conflictPolicy(sitoo, 'price')).toBe('revert');
  });

  it('converts a price between VAT bases in one place, to the cent', () => {
    expect(convertPriceBasis(10_000, false, true, 25)).toBe(12_500);
    expect(convertPriceBasis(12_500, true, false, 25)).toBe(10_000);
    expect(convertPriceBasis(999, true, false, 12)).toBe(892);
    expect(convertPriceBasis(999, true, true, 12)).toBe(999);
  });

  it('reads a catalogue section from the mapping file, naming a bad field and its line', () => {
    const stores = `stores:
  - storeId: S01
    name: Stockholm
    sitooWarehouseId: 101
    erpLocationCode: STORE01
    erpCustomerNumber: POS-S01
    webLocationId: gid://shopify/Location/1
    priceList: STORE
`;
    const catalogue = `catalogue:
  master: business-central
  vatRates: { VAT25: 25 }
  sitoo: { fields: [title, price], priceList: STORE }
  shopify: { fields: [title, price], priceList: WEB, policy: { title: report } }
`;
    const m = parseMapping(`${stores}${catalogue}`);
    expect(m.catalogue?.sitoo).toMatchObject({
      fields: ['title', 'price'],
      pricesIncludeTax: true,
      priceList: 'STORE',
    });
    expect(m.stores[0]!.priceList).toBe('STORE');
    expect(() =>
      parseMapping(`${stores}${catalogue.replace('[title, price], priceList: STORE', '[title, colour]')}`, 'm.yaml'),
    ).toThrowError(/m\.yaml:12: catalogue\.sitoo\.fields\.1: /);
    expect(() => parseMapping(`${stores}${catalogue.replace('business-central', 'akeneo')}`, 'm.yaml')).toThrowError(
      /catalogue\.master: the product master must be "business-central"/,
    );
  });
});
