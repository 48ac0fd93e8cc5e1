import { spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../src/local/temporal-cli';
import { allSearchAttributeKeys } from '../../src/workflows/search-attributes';

// A namespace the dev server does not create: the first run has to register it and its attributes.
const NAMESPACE = 'setup-from-nothing';
let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(() => connection?.close());

/** `npm run temporal:setup` as a process, the way a deploy runs it; only the connection variables. */
async function runSetup(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/starters/temporal-setup.ts'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: NAMESPACE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

const outcome = (stdout: string) => {
  const line = stdout.split('\n').find((l) => l.includes('search attributes in place'));
  if (!line) throw new Error(`no outcome logged:\n${stdout}`);
  const { namespaceCreated, added } = JSON.parse(line) as { namespaceCreated: boolean; added: string[] };
  return { namespaceCreated, added: [...added].sort() };
};

describe('npm run temporal:setup', () => {
  it('registers the namespace and its search attributes, and changes nothing when run again', async () => {
    const first = await runSetup();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(outcome(first.stdout)).toEqual({
      namespaceCreated: true,
      added: ['ExceptionOwner', 'ExceptionSince', 'ExceptionType', 'SitooOrderId', 'StoreId'],
    });

    const second = await runSetup();
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(outcome(second.stdout)).toEqual({ namespaceCreated: false, added: [] });

    const listed = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
    for (const key of allSearchAttributeKeys)
      expect(listed.customAttributes?.[key.name]).toBe(key.name === 'ExceptionSince' ? 6 : 2); // DATETIME, KEYWORD
  });
});
