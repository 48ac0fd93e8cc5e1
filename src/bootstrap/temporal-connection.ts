import { existsSync } from 'node:fs';
import { Client, Connection, type ClientOptions, type TLSConfig } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { ConfigError } from '../config/env';

/** Where a process reaches Temporal when nothing says otherwise: the local dev server's namespace. */
const DEFAULT_ADDRESS = '127.0.0.1:7233';
const DEFAULT_NAMESPACE = 'retail';

/** Options for `Connection.connect` (clients) and `NativeConnection.connect` (workers) alike. */
export interface TemporalConnectionOptions {
  address: string;
  apiKey?: string;
  tls?: TLSConfig | boolean;
  metadata?: Record<string, string>;
}

export interface TemporalConfig {
  connection: TemporalConnectionOptions;
  namespace: string;
}

/**
 * Every process's Temporal connection, from the SDK's own configuration (`@temporalio/envconfig`):
 * a profile of a TOML file (`TEMPORAL_CONFIG_FILE`, `TEMPORAL_PROFILE`) overridden by
 * `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY` and `TEMPORAL_TLS_*`, so one image
 * reaches the dev server, a cluster with mTLS and Temporal Cloud. An API key turns TLS on.
 */
export function loadTemporalConfig(source: Record<string, string | undefined> = process.env): TemporalConfig {
  // An optional secret left blank is unset, not an empty API key or certificate path.
  const env = Object.fromEntries(Object.entries(source).filter((e): e is [string, string] => !!e[1]));
  // envconfig skips a file it cannot find; a certificate secret or config map that did not mount must not pass.
  if (env.TEMPORAL_CONFIG_FILE && !existsSync(env.TEMPORAL_CONFIG_FILE)) {
    throw new ConfigError(
      `Invalid Temporal connection settings:\n  TEMPORAL_CONFIG_FILE: no file at ${env.TEMPORAL_CONFIG_FILE}`,
    );
  }
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: env });
  } catch (err) {
    // The first line only: a TOML parser quotes the offending line, which may hold the key.
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new ConfigError(
      `Invalid Temporal connection settings (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE, TEMPORAL_TLS_*): ${reason}`,
    );
  }
  const { address, apiKey, tls, metadata } = loaded.connectionOptions;
  return {
    connection: {
      address: address ?? DEFAULT_ADDRESS,
      ...(apiKey !== undefined && { apiKey: apiKey as string }),
      ...(tls != null && { tls: typeof tls === 'object' ? asBuffers(tls) : tls }),
      ...(metadata && Object.keys(metadata).length > 0 && { metadata: metadata as Record<string, string> }),
    },
    namespace: loaded.namespace ?? DEFAULT_NAMESPACE,
  };
}

/** envconfig reads certificates as Uint8Arrays; the SDK's TLS options are typed (and handed to the core) as Buffers. */
function asBuffers(tls: TLSConfig): TLSConfig {
  const buffer = (b: Uint8Array | undefined) => (b ? Buffer.from(b) : undefined);
  return {
    ...tls,
    serverRootCACertificate: buffer(tls.serverRootCACertificate),
    clientCertPair: tls.clientCertPair && {
      crt: Buffer.from(tls.clientCertPair.crt),
      key: Buffer.from(tls.clientCertPair.key),
    },
  };
}

/** What may be logged about the connection: never the key or the certificates. */
export function describeTemporal(config: TemporalConfig) {
  // Key names the log redaction leaves alone ("address" and "apiKey" read as personal or secret).
  const tls = config.connection.tls;
  const clientCert = typeof tls === 'object' && tls !== null && 'clientCertPair' in tls && !!tls.clientCertPair;
  return {
    frontend: config.connection.address,
    namespace: config.namespace,
    tls: !!tls,
    authentication: config.connection.apiKey !== undefined ? 'api-key' : clientCert ? 'mtls' : 'none',
  };
}

/** The one place client options are built (a data converter belongs here). */
export function clientOptions(config: TemporalConfig): Omit<ClientOptions, 'connection'> {
  return { namespace: config.namespace };
}

/**
 * A client on its own connection; close it with `client.connection.close()`. `extra` carries what
 * is not about the connection, e.g. the data converter that encrypts payloads (data-converter.ts).
 */
export async function connectClient(
  config: TemporalConfig,
  extra: Omit<ClientOptions, 'connection' | 'namespace'> = {},
): Promise<Client> {
  return new Client({ connection: await Connection.connect(config.connection), ...clientOptions(config), ...extra });
}
