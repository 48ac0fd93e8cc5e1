import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Mapping } from '../domain/mapping';
import { MappingError, parseMapping } from './mapping-file';

/**
 * The one mapping a process works with (every worker and the receiver hold it the same way): the
 * file is read and validated at start-up (a bad file stops the process), and re-read on SIGHUP and
 * whenever it changes on disk. A new version that does not validate is refused with the error
 * naming its field and line, and the last good mapping stays in use, so a typo in a ConfigMap
 * never takes a running process down.
 *
 * The file's directory is watched, not the file: Kubernetes updates a mounted ConfigMap by
 * writing a new timestamped directory and swapping the `..data` symlink the file points through,
 * so the file itself never changes and a watch on it (or on its old inode) sees nothing.
 */
export interface MappingHolder {
  current(): Mapping;
  /** Called after a new version has been taken (not for a refused one or an unchanged file). */
  onChange(listener: (next: Mapping, previous: Mapping) => void): void;
  /** Re-reads the file now; true when a new version was taken. */
  reload(reason: string): Promise<boolean>;
  /** For health endpoints: which version is in use and the last version refused. */
  status(): MappingStatus;
  close(): void;
}

export interface MappingStatus {
  file: string;
  stores: number;
  loadedAt: string;
  /** The newest version refused since the one in use was taken. */
  refused?: { at: string; error: string };
}

export interface MappingHolderOptions {
  /** A ConfigMap update is several renames in a row: they are read as one change after this quiet time. */
  debounceMs?: number;
  /**
   * The file is also read again this often (default 15 s; 0: never). Node documents fs.watch as
   * not fully reliable (events can be missed or coalesced, and some volumes send none), so a
   * missed change is taken within this bound instead of never. An unchanged file costs one read.
   */
  recheckMs?: number;
}

async function readMapping(path: string): Promise<{ text: string; mapping: Mapping }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new MappingError(`Cannot read mapping file ${path}: ${(err as Error).message}`);
  }
  return { text, mapping: parseMapping(text, path) };
}

export async function holdMappingFile(
  path: string,
  logger: Logger,
  opts: MappingHolderOptions = {},
): Promise<MappingHolder> {
  let { text, mapping } = await readMapping(path);
  let loadedAt = new Date().toISOString();
  let refused: MappingStatus['refused'];
  const listeners: Array<(next: Mapping, previous: Mapping) => void> = [];
  // One reload at a time, so a slow read never overwrites a newer version.
  let queue: Promise<unknown> = Promise.resolve();

  async function reloadNow(reason: string): Promise<boolean> {
    let next: { text: string; mapping: Mapping };
    try {
      next = await readMapping(path);
    } catch (err) {
      const message = (err as Error).message;
      if (refused?.error !== message)
        logger.error({ file: path, reason, err: message }, 'mapping reload refused; keeping the last good mapping');
      refused = { at: new Date().toISOString(), error: message };
      return false;
    }
    refused = undefined;
    if (next.text === text) return false;
    const previous = mapping;
    ({ text, mapping } = next);
    loadedAt = new Date().toISOString();
    logger.info(
      { file: path, reason, stores: mapping.stores.length, warehouses: mapping.warehouses?.length ?? 0 },
      'mapping reloaded',
    );
    for (const listener of listeners) {
      try {
        listener(mapping, previous);
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'mapping change listener failed');
      }
    }
    return true;
  }

  const reload = (reason: string) => {
    const run = queue.then(() => reloadNow(reason));
    queue = run.catch(() => undefined);
    return run;
  };

  const debounceMs = opts.debounceMs ?? 250;
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload('file changed'), debounceMs);
    timer.unref();
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, changed);
    watcher.on('error', (err) =>
      logger.error({ file: path, err: err.message }, 'mapping file watch failed; only SIGHUP reloads it now'),
    );
  } catch (err) {
    logger.warn({ file: path, err: (err as Error).message }, 'cannot watch the mapping file; only SIGHUP reloads it');
  }
  const onHup = () => void reload('SIGHUP');
  process.on('SIGHUP', onHup);
  const recheckMs = opts.recheckMs ?? 15_000;
  const recheck = recheckMs > 0 ? setInterval(() => void reload('periodic check'), recheckMs) : undefined;
  recheck?.unref();

  return {
    current: () => mapping,
    onChange: (listener) => void listeners.push(listener),
    reload,
    status: () => ({ file: path, stores: mapping.stores.length, loadedAt, ...(refused ? { refused } : {}) }),
    close() {
      clearTimeout(timer);
      clearInterval(recheck);
      watcher?.close();
      process.off('SIGHUP', onHup);
    },
  };
}
