import { describe, expect, it } from 'vitest';
import { parseMapping } from '../../src/config/mapping-file';
import { masterRefusal, mappingConflicts, stockLocations, type Mapping } from '../../src/domain/mapping';
import { bufferFor, erpRecordsThroughOrders, stockChangeKind, webOnHand } from '../../src/domain/stock';

const store = {
  storeId: 'S01',
  name: 'Stockholm',
  sitooWarehouseId: 101,
  erpLocationCode: 'STORE01',
  erpCustomerNumber: 'POS-S01',
  webLocationId: 'gid://shopify/Location/1',
};
const warehouse = {
  warehouseId: 'CENTRAL',
  name: 'Central',
  erpLocationCode: 'WH01',
  webLocationId: 'gid://shopify/Location/9',
  sitooMirrorWarehouseId: 900,
};

describe('the web on hand', () => {
  it('is on hand minus buffer minus reservations, never below zero, in whole units', () => {
    expect(webOnHand({ onHand: 10, reserved: 2 }, 3)).toBe(5);
    expect(webOnHand({ onHand: 2, reserved: 1 }, 3)).toBe(0);
    expect(webOnHand({ onHand: -4, reserved: 0 }, 0)).toBe(0);
    expect(webOnHand({ onHand: 7.5, reserved: 0 }, 0)).toBe(7);
  });

  it("takes a SKU's own buffer over its category's", () => {
    const buffers = { bySku: { 'TEE-1': 2, 'TEE-0': 0 }, byCategory: { TEES: 5 } };
    expect(bufferFor(buffers, 'TEE-1', 'TEES')).toBe(2);
    expect(bufferFor(buffers, 'TEE-0', 'TEES')).toBe(0);
    expect(bufferFor(buffers, 'TEE-9', 'TEES')).toBe(5);
    expect(bufferFor(buffers, 'CAP-1', undefined)).toBe(0);
  });

  it('leaves sales and refunds to the order flows in the ERP, and records every other stock change', () => {
    expect(erpRecordsThroughOrders(stockChangeKind(30))).toBe(true);
    expect(erpRecordsThroughOrders(stockChangeKind(40))).toBe(true);
    for (const type of [10, 20, 50, 60, 70, 99]) expect(erpRecordsThroughOrders(stockChangeKind(type))).toBe(false);
  });
});

describe('stock masters', () => {
  const mapping: Mapping = { stores: [store], warehouses: [warehouse] };

  it('stores are mastered in Sitoo and warehouses in the ERP; writing into the master is refused', () => {
    const [s, w] = stockLocations(mapping);
    expect(s).toMatchObject({ locationId: 'S01', master: 'sitoo', sitooWarehouseId: 101 });
    expect(w).toMatchObject({ locationId: 'CENTRAL', master: 'erp', sitooWarehouseId: 900 });
    expect(masterRefusal(s!, 'sitoo')).toMatch(/S01 .* stock-mastered in sitoo/);
    expect(masterRefusal(s!, 'erp')).toBeUndefined();
    expect(masterRefusal(w!, 'erp')).toMatch(/CENTRAL .* stock-mastered in erp/);
    expect(masterRefusal(w!, 'sitoo')).toBeUndefined();
  });

  it('refuses a mirror that is a store warehouse, a shared web location, and a store on an ERP-mastered location', () => {
    expect(mappingConflicts({ stores: [store], warehouses: [{ ...warehouse, sitooMirrorWarehouseId: 101 }] })).toEqual([
      'sitooWarehouseId 101 is used by both S01 and CENTRAL',
    ]);
    expect(
      mappingConflicts({ stores: [store], warehouses: [{ ...warehouse, webLocationId: store.webLocationId }] }),
    ).toEqual([`webLocationId ${store.webLocationId} is used by both S01 and CENTRAL`]);
    expect(mappingConflicts({ stores: [store], warehouses: [{ ...warehouse, erpLocationCode: 'STORE01' }] })).toEqual([
      'erpLocationCode STORE01 is the ERP-mastered warehouse CENTRAL and also store S01',
    ]);
  });
});

describe('mapping file: warehouses and buffers', () => {
  const yaml = `stores:
  - storeId: S01
    name: Stockholm
    sitooWarehouseId: 101
    erpLocationCode: STORE01
    erpCustomerNumber: POS-S01
    webLocationId: gid://shopify/Location/1
warehouses:
  - warehouseId: CENTRAL
    name: Central
    erpLocationCode: WH01
    webLocationId: gid://shopify/Location/9
    sitooMirrorWarehouseId: 900
buffers:
  bySku:
    TEE-1: 2
  byCategory:
    SHOES: 1
`;

  it('reads warehouses and buffers', () => {
    const mapping = parseMapping(yaml, 'mapping.yaml');
    expect(mapping.warehouses).toEqual([warehouse]);
    expect(mapping.buffers).toEqual({ bySku: { 'TEE-1': 2 }, byCategory: { SHOES: 1 } });
  });

  it('names the line of a store declared as ERP-mastered and of a negative buffer', () => {
    const erpStore = yaml.replace(
      '    erpLocationCode: STORE01\n',
      '    stockMaster: erp\n    erpLocationCode: STORE01\n',
    );
    expect(() => parseMapping(erpStore, 'mapping.yaml')).toThrowError(
      /mapping\.yaml:5: stores\.0\.stockMaster: a store is stock-mastered in Sitoo/,
    );
    expect(() => parseMapping(yaml.replace('TEE-1: 2', 'TEE-1: -2'), 'mapping.yaml')).toThrowError(
      /mapping\.yaml:16: buffers\.bySku\.TEE-1: Too small/,
    );
  });

  it('is still valid without warehouses or buffers (the spine-era file)', () => {
    const mapping = parseMapping(yaml.slice(0, yaml.indexOf('warehouses:')), 'mapping.yaml');
    expect(mapping.warehouses).toEqual([]);
    expect(mapping.buffers).toEqual({ bySku: {}, byCategory: {} });
  });
});
