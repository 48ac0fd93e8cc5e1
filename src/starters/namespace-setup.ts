import { isGrpcServiceError, type Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
// With its extension: compiled, this is Node's ES module loader resolving a file of a package without exports.
import { msToTs } from '@temporalio/common/lib/time.js';
import { allSearchAttributeKeys } from '../workflows/search-attributes';

// gRPC status codes (the ones this setup tells apart).
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const PERMISSION_DENIED = 7;
const UNIMPLEMENTED = 12;

/** The server's IndexedValueType for each SDK search attribute type. */
const INDEXED_VALUE_TYPE: Record<SearchAttributeType, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

/** How long a namespace created here lets closed workflows' histories be read. */
const RETENTION = '30d';

/** The server does not allow this setup (Temporal Cloud): what to do there instead. */
export class SetupRefusedError extends Error {
  override readonly name = 'SetupRefusedError';
}

export interface NamespaceSetupResult {
  namespaceCreated: boolean;
  added: string[];
}

/**
 * What the workflows need of their namespace on a self-hosted cluster: the namespace itself and
 * the search attributes operators filter on (`src/workflows/search-attributes.ts`, the same list
 * the local dev server registers at start). Safe to run again and again: what exists is left as it is.
 */
export async function ensureNamespaceSetup(
  connection: Connection,
  namespace: string,
  timeoutMs = 60_000,
): Promise<NamespaceSetupResult> {
  const namespaceCreated = await refusalExplained(namespace, () => ensureNamespace(connection, namespace));
  const existing = await refusalExplained(namespace, () => listSearchAttributes(connection, namespace, timeoutMs));
  const missing: Record<string, number> = {};
  for (const key of allSearchAttributeKeys) {
    const type = INDEXED_VALUE_TYPE[key.type];
    if (existing[key.name] === undefined) missing[key.name] = type;
    else if (existing[key.name] !== type) {
      throw new Error(
        `Search attribute ${key.name} exists in namespace ${namespace} with another type; the workflows need ${key.type}`,
      );
    }
  }
  if (Object.keys(missing).length > 0) {
    await refusalExplained(namespace, async () => {
      try {
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
      } catch (err) {
        // Another setup got there first.
        if (!(isGrpcServiceError(err) && err.code === ALREADY_EXISTS)) throw err;
      }
    });
  }
  return { namespaceCreated, added: Object.keys(missing) };
}

async function ensureNamespace(connection: Connection, namespace: string): Promise<boolean> {
  if (await namespaceExists(connection, namespace)) return false;
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(RETENTION),
    });
  } catch (err) {
    if (!(isGrpcServiceError(err) && err.code === ALREADY_EXISTS)) throw err;
  }
  return true;
}

/** A new namespace reaches the server's namespace caches a few seconds after it is registered. */
async function listSearchAttributes(connection: Connection, namespace: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const listed = await connection.operatorService.listSearchAttributes({ namespace });
      return listed.customAttributes ?? {};
    } catch (err) {
      if (!(isGrpcServiceError(err) && err.code === NOT_FOUND) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function namespaceExists(connection: Connection, namespace: string): Promise<boolean> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === NOT_FOUND) return false;
    throw err;
  }
}

/** Temporal Cloud refuses operator calls: the namespace and its search attributes are managed in Cloud. */
async function refusalExplained<T>(namespace: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isGrpcServiceError(err) && (err.code === PERMISSION_DENIED || err.code === UNIMPLEMENTED)) {
      const attributes = allSearchAttributeKeys.map((k) => `${k.name} (${k.type})`).join(', ');
      throw new SetupRefusedError(
        `The Temporal server refused to set up namespace ${namespace} (${err.details || err.message}).\n` +
          `On Temporal Cloud the namespace and its search attributes are managed in Cloud, not by this command:\n` +
          `  1. create the namespace ${namespace} in the Cloud UI (or with tcld) if it does not exist;\n` +
          `  2. add the custom search attributes ${attributes} to it (Cloud UI: the namespace's\n` +
          `     search attributes; or tcld namespace search-attributes add).\n` +
          `The workers and the receiver then need nothing more; do not run this command against Cloud.\n` +
          `On a self-hosted cluster, give these credentials the admin role for operator calls.`,
      );
    }
    throw err;
  }
}
