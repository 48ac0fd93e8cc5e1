import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildDist } from '../../src/local/build';
import { PROJECT_ROOT } from '../../src/local/temporal-cli';
import { waitFor } from '../support/temporal';

// Inside the project, so the compiled modules find node_modules the way /app/dist does in the image.
let outDir: string;
const children: ChildProcess[] = [];

const variables = {
  SITOO_BASE_URL: 'https://api.example.test',
  SITOO_ACCOUNT_ID: '90001',
  SITOO_API_ID: 'api-id',
  SITOO_API_PASSWORD: 'sitoo-secret-value',
  BC_API_BASE_URL: 'https://bc.example.test/api/v2.0',
  BC_TOKEN_URL: 'https://login.example.test/token',
  BC_COMPANY_ID: '6f1c3a2e-0b5d-4e8a-9c7f-2d4b8e1a5c30',
  BC_CLIENT_ID: 'client',
  BC_CLIENT_SECRET: 'bc-secret-value',
  SHOPIFY_SHOP_URL: 'https://shop.myshopify.com',
  SHOPIFY_ACCESS_TOKEN: 'shopify-token-value',
  MAPPING_FILE: join(PROJECT_ROOT, 'config', 'mapping.example.yaml'),
};

/** `node dist/workers/inventory.js`, as the image's CMD runs it: no tsx, no TypeScript. */
function startCompiled(entry: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [join(outDir, entry)], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (b: Buffer) => (out.stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out.stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, out, exited };
}

beforeAll(async () => {
  outDir = await mkdtemp(join(PROJECT_ROOT, '.data', 'build-test-'));
  await buildDist(outDir);
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('writes the entry points and the workflow bundle', () => {
    for (const entry of ['workers/main.js', 'workers/inventory.js', 'starters/run-events-receiver.js']) {
      expect(existsSync(join(outDir, entry)), entry).toBe(true);
    }
    expect(existsSync(join(outDir, 'starters/temporal-setup.js'))).toBe(true);
    expect(existsSync(join(outDir, 'workflow-bundle.js'))).toBe(true);
  });

  it('the compiled inventory worker runs: a missing variable is named and it exits 1', async () => {
    const { SITOO_API_PASSWORD: _missing, ...withoutPassword } = variables;
    const run = startCompiled('workers/inventory.js', withoutPassword);
    expect(await run.exited).toBe(1);
    expect(run.out.stderr.trim()).toBe(
      'Invalid configuration for the inventory worker:\n  SITOO_API_PASSWORD: is not set',
    );
  });

  it('the compiled inventory worker connects with the prebuilt workflow bundle and drains on SIGTERM', async () => {
    const run = startCompiled('workers/inventory.js', {
      ...variables,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'e2e-build',
    });
    const running = await waitFor('the worker to run', () => {
      if (run.child.exitCode !== null) throw new Error(`exited ${run.child.exitCode}: ${run.out.stderr}`);
      return run.out.stdout.split('\n').find((l) => l.includes('inventory worker running'));
    });
    expect(JSON.parse(running)).toMatchObject({
      workflowBundle: join(outDir, 'workflow-bundle.js'),
      temporal: { frontend: inject('temporalAddress'), namespace: 'e2e-build', tls: false, authentication: 'none' },
    });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.out.stdout).toContain('inventory worker stopped');
  });
});
