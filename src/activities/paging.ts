import { heartbeat } from '@temporalio/activity';

/**
 * The one page loop of the polls: reads pages until the source has no more (`last`) or
 * `maxPages` were read, and heartbeats the cursor after each page, so a poll that is slow but
 * alive is not timed out and a retry's progress shows. Each page moves its own cursor before it
 * answers. Returns whether the source was read to its end (false: stopped at the page limit, and
 * the next run goes on from the cursor).
 */
export async function readPages(
  maxPages: number,
  readPage: () => Promise<{ last: boolean; cursor: unknown }>,
): Promise<boolean> {
  for (let page = 0; page < maxPages; page++) {
    const { last, cursor } = await readPage();
    heartbeat(cursor);
    if (last) return true;
  }
  return false;
}
