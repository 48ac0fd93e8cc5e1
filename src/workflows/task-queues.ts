/**
 * Inventory work has its own task queue and worker so a long batch on the main queue can never
 * delay a web stock update (inventory first).
 */
export const TASK_QUEUES = {
  main: 'retail-main',
  inventory: 'retail-inventory',
} as const;
