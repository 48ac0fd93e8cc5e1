import { describe, expect, it } from 'vitest';
import { MappingError, parseMapping } from '../../src/config/mapping-file';
import { findStoreByWarehouse } from '../../src/domain/mapping';

const good = `stores:
  - storeId: S01
    name: Stockholm
    sitooWarehouseId: 101
    erpLocationCode: STORE01
    erpCustomerNumber: POS-S01
    webLocationId: gid://shopify/Location/1
`;

describe('mapping file', () => {
  it('maps a Sitoo warehouse to its ERP and web locations', () => {
    const mapping = parseMapping(good);
    expect(findStoreByWarehouse(mapping, 101)).toMatchObject({
      storeId: 'S01',
      erpLocationCode: 'STORE01',
      webLocationId: 'gid://shopify/Location/1',
    });
  });

  it('gives every store its IANA zone: its own, else the account zone, else the documented default', () => {
    expect(parseMapping(good).stores[0]!.timeZone).toBe('Europe/Stockholm');
    expect(parseMapping(`timeZone: Europe/Helsinki\n${good}`).stores[0]!.timeZone).toBe('Europe/Helsinki');
    expect(parseMapping(`timeZone: Europe/Helsinki\n${good}    timeZone: America/New_York\n`).stores[0]!.timeZone).toBe(
      'America/New_York',
    );
    expect(() => parseMapping(`${good}    timeZone: Europe/Stockholmm\n`, 'mapping.yaml')).toThrowError(
      /mapping\.yaml:8: stores\.0\.timeZone: must be an IANA time zone/,
    );
  });

  it('never falls back to a default location for an unmapped warehouse', () => {
    expect(findStoreByWarehouse(parseMapping(good), 999)).toBeUndefined();
    expect(findStoreByWarehouse(parseMapping(good), null)).toBeUndefined();
  });

  it('names the bad field and its line', () => {
    const bad = good.replace('erpLocationCode: STORE01', 'erpLocationCode: store 01');
    expect(() => parseMapping(bad, 'mapping.yaml')).toThrowError(
      /mapping\.yaml:5: stores\.0\.erpLocationCode: must be an upper-case ERP location code/,
    );
  });

  it('points a missing field at the store that lacks it', () => {
    const missing = good.replace('    webLocationId: gid://shopify/Location/1\n', '');
    expect(() => parseMapping(missing, 'm.yaml')).toThrowError(/m\.yaml:2: stores\.0\.webLocationId/);
  });

  it('refuses a store id that would be cut in ERP codes, and ids that differ only by case', () => {
    // Before: accepted; the end-of-day journal number kept 12 upper-cased characters, so the second
    // store found the first's posting, concluded "already posted" and its journal never reached the ERP.
    const long = good.replace('storeId: S01', 'storeId: STORE-NORTH-1');
    expect(() => parseMapping(long, 'm.yaml')).toThrowError(
      /m\.yaml:2: stores\.0\.storeId: must be 1-9 letters, digits/,
    );
    const cased =
      good +
      good
        .replace('stores:\n', '')
        .replace('storeId: S01', 'storeId: s01')
        .replace('101', '102')
        .replace('STORE01', 'STORE02')
        .replace('Location/1', 'Location/2');
    expect(() => parseMapping(cased)).toThrowError(/location id S01 is used by both S01 and s01/);
  });

  it('refuses a warehouse mapped twice', () => {
    const twice = good + good.replace('stores:\n', '').replace('S01', 'S02');
    expect(() => parseMapping(twice)).toThrowError(MappingError);
    expect(() => parseMapping(twice)).toThrowError(/sitooWarehouseId 101 is used by both S01 and S02/);
  });

  it('reports YAML syntax errors with a line', () => {
    expect(() => parseMapping('stores:\n  - storeId: [\n', 'x.yaml')).toThrowError(/x\.yaml:\d+:/);
  });
});
