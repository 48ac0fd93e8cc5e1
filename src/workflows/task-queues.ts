/**
 * Inventory work has its own task queue and worker so a long batch on the main queue can never
 * delay a web stock update (inventory first).
 */
export const TASK_QUEUES = {
  main: 'retail-main',
  inventory: 'retail-inventory',
  /** Products and prices: non-critical, batched, with their own slots and rate budget (issue 15). */
  catalogue: 'retail-catalogue',
} as const;
