/** Shared by the inventory and order sides of the simulator; kept apart so neither imports the other for them. */
export const gid = (type: string, id: number | string): string => `gid://shopify/${type}/${id}`;

/** Key order must not matter when comparing a retry's variables with the first attempt's. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
