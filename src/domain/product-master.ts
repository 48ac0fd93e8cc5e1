/** The product master's cursor types: plain JSON that workflows hold and schedules store (issue 15). */

/**
 * Where an incremental read stopped, per stream of changes the master keeps. Plain JSON, so a
 * workflow can hold it. `after` is the newest change seen; the next read asks again from
 * `after - overlap`, because a change can become visible after a later-stamped one (its timestamp
 * is taken before its commit), and `seen` are the `id@timestamp` pairs inside that window that
 * were already returned, so the overlap brings back late commits without repeating anything.
 */
export interface MasterStreamCursor {
  after: string;
  seen: string[];
}
export type ProductCursor = Record<string, MasterStreamCursor>;
