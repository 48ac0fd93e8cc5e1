/** A GraphQL connection as Shopify pages it. */
export interface Connection<N> {
  nodes: N[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Every node of a connection, page after page by its end cursor: the one cursor loop of the Shopify connector. */
export async function allNodes<N>(page: (after: string | null) => Promise<Connection<N>>): Promise<N[]> {
  const out: N[] = [];
  for (let after: string | null = null; ;) {
    const connection: Connection<N> = await page(after);
    out.push(...connection.nodes);
    if (!connection.pageInfo.hasNextPage || connection.pageInfo.endCursor === null) return out;
    after = connection.pageInfo.endCursor;
  }
}
