import { proxyActivities } from '@temporalio/workflow';

/**
 * The benchmark's bare baseline: one workflow per sale running one activity that returns at once,
 * no business logic. Bundled on its own (bench/baseline.ts), so production workflow code is untouched.
 */
export interface BaselineActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '10s' });

export async function benchBaselineWorkflow(): Promise<void> {
  await noop();
}
