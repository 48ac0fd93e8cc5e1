import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { holdMappingFile, type MappingHolder } from '../../src/config/mapping-holder';
import { waitFor } from '../support/temporal';

const store = (n: number, extra = '') => `  - storeId: S0${n}
    name: Store ${n}
    sitooWarehouseId: ${100 + n}
    erpLocationCode: STORE0${n}
    erpCustomerNumber: POS-S0${n}
    webLocationId: gid://shopify/Location/${n}
${extra}`;
const mappingOf = (...stores: string[]) => `stores:\n${stores.join('')}`;

/**
 * A directory laid out as the kubelet mounts a ConfigMap: the file is a symlink through `..data`,
 * itself a symlink to a timestamped directory; an update writes a new directory and swaps `..data`
 * in one rename, so the file the process opened by name never changes in place.
 */
async function configMapMount() {
  const dir = await mkdtemp(join(tmpdir(), 'configmap-'));
  let version = 0;
  const publish = async (text: string) => {
    const versionDir = `..2026_12_03_00_00_0${++version}`;
    await mkdir(join(dir, versionDir));
    await writeFile(join(dir, versionDir, 'mapping.yaml'), text);
    await symlink(versionDir, join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    if (version > 1) await rm(join(dir, `..2026_12_03_00_00_0${version - 1}`), { recursive: true });
  };
  return {
    dir,
    file: join(dir, 'mapping.yaml'),
    publish,
    async init(text: string) {
      await publish(text);
      await symlink('..data/mapping.yaml', join(dir, 'mapping.yaml'));
    },
  };
}

function capturingLogger() {
  const lines: Array<{ level: number; msg: string; err?: string }> = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as never) });
  return { logger, lines };
}

describe('the mapping every process holds', () => {
  const open: Array<{ holder: MappingHolder; dir: string }> = [];
  afterEach(async () => {
    for (const { holder, dir } of open.splice(0)) {
      holder.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes a new version when the ConfigMap swaps its ..data symlink, and refuses a bad one keeping the last good', async () => {
    const mount = await configMapMount();
    await mount.init(mappingOf(store(1)));
    const { logger, lines } = capturingLogger();
    const holder = await holdMappingFile(mount.file, logger, { debounceMs: 50 });
    open.push({ holder, dir: mount.dir });
    const changes: string[][] = [];
    holder.onChange((next) => changes.push(next.stores.map((s) => s.storeId)));
    expect(holder.current().stores.map((s) => s.storeId)).toEqual(['S01']);

    await mount.publish(mappingOf(store(1), store(2, '    timeZone: Europe/Helsinki\n')));
    await waitFor('the new version taken', () => holder.current().stores.length === 2, 10_000, 20);
    expect(holder.current().stores[1]).toMatchObject({ storeId: 'S02', timeZone: 'Europe/Helsinki' });
    expect(changes).toEqual([['S01', 'S02']]);

    // A bad version: the third store's location code is not an ERP code (line 17 of the file).
    await mount.publish(mappingOf(store(1), store(2), store(3).replace('STORE03', 'store 3')));
    const refused = await waitFor('the bad version refused', () => holder.status().refused, 10_000, 20);
    expect(refused.error).toMatch(
      /mapping\.yaml:17: stores\.2\.erpLocationCode: must be an upper-case ERP location code/,
    );
    expect(holder.current().stores.map((s) => s.storeId)).toEqual(['S01', 'S02']);
    expect(changes).toHaveLength(1);
    const logged = lines.find((l) => l.msg === 'mapping reload refused; keeping the last good mapping');
    expect(logged?.level).toBe(50);
    expect(logged?.err).toContain('stores.2.erpLocationCode');

    // Corrected: taken, and the refusal is cleared.
    await mount.publish(mappingOf(store(1), store(2), store(3)));
    await waitFor('the corrected version taken', () => holder.current().stores.length === 3, 10_000, 20);
    expect(holder.status()).not.toHaveProperty('refused');
  });

  it('re-reads the file on SIGHUP as well', async () => {
    const mount = await configMapMount();
    await mount.init(mappingOf(store(1)));
    // A watch that would only fire after a minute: here only SIGHUP can be what reloads it.
    const holder = await holdMappingFile(mount.file, capturingLogger().logger, { debounceMs: 60_000 });
    open.push({ holder, dir: mount.dir });
    await mount.publish(mappingOf(store(1), store(2)));
    process.emit('SIGHUP');
    await waitFor('the version read on SIGHUP', () => holder.current().stores.length === 2, 10_000, 20);
  });

  it('refuses to start on a bad file, naming the field and its line', async () => {
    const mount = await configMapMount();
    await mount.init(mappingOf(store(1).replace('gid://shopify/Location/1', 'Location 1')));
    await expect(holdMappingFile(mount.file, capturingLogger().logger)).rejects.toThrow(
      /mapping\.yaml:7: stores\.0\.webLocationId/,
    );
    await rm(mount.dir, { recursive: true, force: true });
  });
});
