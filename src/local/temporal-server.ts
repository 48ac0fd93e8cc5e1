import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { parse, stringify } from 'yaml';
import { startPostgres, type Postgres } from './postgres';
import { freePorts, runTool, startDaemon, stopLeftover, waitUntil, type Daemon } from './processes';
import { goAvailable, goInstall, goModuleDir, isExecutable, PROJECT_ROOT, TOOLS_BIN } from './tools';

/**
 * The Temporal server the way production self-hosts it: the `go.temporal.io/server` binary on
 * PostgreSQL with SQL visibility, its schemas set up by its own SQL tool, and the namespaces and
 * search attributes registered by `temporal:setup`, for the tests that must show how production
 * behaves (test/server, `npm run test:server`). The dev server (dev-server.ts) serves the rest.
 *
 * Both binaries build from the Go module proxy into .tools/bin (`npm run temporal:server:provision`);
 * the schema directories and the base configuration come from the same module's source in the Go
 * module cache, so nothing of Temporal's is copied into this repository.
 */
export const PINNED_SERVER_VERSION = '1.29.1';
const SERVER_MODULE = `go.temporal.io/server@v${PINNED_SERVER_VERSION}`;
const SERVER_BIN = join(TOOLS_BIN, 'temporal-server');
const SQL_TOOL_BIN = join(TOOLS_BIN, 'temporal-sql-tool');
/** The dynamic configuration docker compose gives its Temporal server: the smoke runs on the same. */
const DYNAMIC_CONFIG = join(PROJECT_ROOT, 'deploy', 'compose', 'temporal-dynamic-config.yaml');

export interface ServerTools {
  server: string;
  sqlTool: string;
  /** The module's source: schema/postgresql/v12/..., config/development-postgres12.yaml. */
  moduleDir: string;
}

type Log = (line: string) => void;
const toStderr: Log = (line) => process.stderr.write(`${line}\n`);

async function builtServerVersion(): Promise<string | undefined> {
  if (!(await isExecutable(SERVER_BIN)) || !(await isExecutable(SQL_TOOL_BIN))) return undefined;
  // "temporal version 1.29.1"
  return (await runTool(SERVER_BIN, ['--version'])).trim().split(/\s+/).at(-1);
}

/** The pinned server and SQL tool in .tools/bin, built if missing or of another version (~2.5 min on 2 cores). */
export async function ensureServerTools(log: Log = toStderr): Promise<ServerTools> {
  const built = await builtServerVersion();
  if (built !== PINNED_SERVER_VERSION) {
    if (!(await goAvailable()))
      throw new Error(
        `The Temporal server v${PINNED_SERVER_VERSION} is not in .tools/bin and there is no Go toolchain to build it.`,
      );
    log(
      `Building the Temporal server and SQL tool v${PINNED_SERVER_VERSION} with go install into .tools/bin` +
        `${built ? ` (found v${built})` : ''}; a few minutes the first time...`,
    );
    await goInstall({
      packages: [
        `go.temporal.io/server/cmd/server@v${PINNED_SERVER_VERSION}`,
        `go.temporal.io/server/cmd/tools/sql@v${PINNED_SERVER_VERSION}`,
      ],
      binaries: { server: 'temporal-server', sql: 'temporal-sql-tool' },
      ldflags: '-s -w',
    });
  }
  return { server: SERVER_BIN, sqlTool: SQL_TOOL_BIN, moduleDir: await goModuleDir(SERVER_MODULE) };
}

export interface TemporalServerOptions {
  /** Everything of this server: PostgreSQL's cluster, the rendered configuration, the logs. */
  dir?: string;
  /** Registered with their search attributes by `temporal:setup`, as a deploy does. */
  namespaces: string[];
  log?: Log;
}

export interface TemporalServer {
  address: string;
  /** How long the steps took, in ms. */
  timings: Record<string, number>;
  logFile: string;
  stop(): Promise<void>;
}

const DATABASES = { temporal: 'temporal', temporal_visibility: 'visibility' } as const;

export async function startTemporalServer(opts: TemporalServerOptions): Promise<TemporalServer> {
  const log = opts.log ?? toStderr;
  const dir = opts.dir ?? join(PROJECT_ROOT, '.data', 'temporal-server');
  const timings: Record<string, number> = {};
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      timings[step] = Date.now() - started;
    }
  };

  const tools = await timed('provision', () => ensureServerTools(log));
  await mkdir(dir, { recursive: true });
  const pidFile = join(dir, 'temporal-server.pid');
  await stopLeftover(pidFile, dir, 'SIGKILL');
  const configDir = join(dir, 'config');
  const logFile = join(dir, 'temporal-server.log');
  await Promise.all([rm(configDir, { recursive: true, force: true }), rm(logFile, { force: true })]);

  const db = { user: 'temporal', password: randomBytes(12).toString('hex') };
  let postgres: Postgres | undefined;
  let server: Daemon | undefined;
  const stop = async () => {
    await server?.stop('SIGTERM', 30_000);
    await rm(pidFile, { force: true });
    await postgres?.stop();
  };
  try {
    postgres = await timed('postgres', () => startPostgres({ dir: join(dir, 'postgres'), ...db }));
    const pg = postgres;
    await timed('schema', () =>
      Promise.all(
        Object.entries(DATABASES).map(async ([database, schema]) => {
          const connect = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', db.user];
          const sql = (...args: string[]) =>
            runTool(tools.sqlTool, [...connect, '--db', database, ...args], {
              env: { PATH: process.env.PATH, SQL_PASSWORD: db.password },
            });
          await sql('create-database');
          await sql('setup-schema', '-v', '0.0');
          await sql('update-schema', '-d', join(tools.moduleDir, 'schema', 'postgresql', 'v12', schema, 'versioned'));
        }),
      ),
    );

    const { config, address } = await renderConfig(tools.moduleDir, { postgres: `${pg.host}:${pg.port}`, ...db });
    await mkdir(configDir);
    // `start` reads <root>/<config>/<env>.yaml; v1.29.1 has no flag naming a file.
    await writeFile(join(configDir, 'postgres12.yaml'), stringify(config));
    server = startDaemon(
      tools.server,
      ['--root', dir, '--config', 'config', '--env', 'postgres12', '--allow-no-auth', 'start'],
      { logFile, cwd: dir },
    );
    await writeFile(pidFile, `${server.pid}\n`);
    const daemon = server;
    await timed('server', () =>
      waitUntil('the Temporal frontend to serve', () => frontendServing(address), {
        timeoutMs: 120_000,
        daemon,
        logFile,
      }),
    );
    // A new namespace is usable once temporal:setup returns: it waits until the frontend's namespace
    // cache (refreshed every 2 s) lists the namespace's search attributes, and history and matching
    // read a namespace they have not cached from the database. (Tried: a start with search
    // attributes and a task queue poll right after the setup, five namespaces in a row, all served.)
    await timed('namespaces', () => Promise.all(opts.namespaces.map((n) => temporalSetup(address, n))));
    return { address, timings, logFile, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function frontendServing(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    const { status } = await connection.healthService.check({
      service: 'temporal.api.workflowservice.v1.WorkflowService',
    });
    return status === 1; // SERVING
  } finally {
    await connection.close();
  }
}

/** development-postgres12.yaml from the module, on our database and on free ports of our own. */
async function renderConfig(
  moduleDir: string,
  db: { postgres: string; user: string; password: string },
): Promise<{ config: Record<string, unknown>; address: string }> {
  const config = parse(await readFile(join(moduleDir, 'config', 'development-postgres12.yaml'), 'utf8'));
  config.log = { stdout: true, level: 'warn' };
  for (const store of Object.values(config.persistence.datastores) as Array<{ sql: Record<string, unknown> }>)
    Object.assign(store.sql, { connectAddr: db.postgres, user: db.user, password: db.password });
  // Every port private and free, not the defaults (7233...) a dev server or another run may hold:
  // each service's gRPC and membership ports, the frontend's HTTP port, and the metrics port.
  const services = Object.entries(config.services) as Array<[string, { rpc: Record<string, unknown> }]>;
  const ports = await freePorts(services.length * 2 + 2);
  const port = () => ports.pop()!;
  for (const [name, service] of services) {
    Object.assign(service.rpc, { grpcPort: port(), membershipPort: port() });
    if (name === 'frontend') service.rpc.httpPort = port();
  }
  config.global.metrics.prometheus.listenAddress = `127.0.0.1:${port()}`;
  config.global.pprof = { port: 0 }; // off
  const address = `127.0.0.1:${config.services.frontend.rpc.grpcPort}`;
  config.clusterMetadata.clusterInformation.active.rpcAddress = address;
  config.dynamicConfigClient = { filepath: DYNAMIC_CONFIG, pollInterval: '10s' };
  return { config, address };
}

/** `npm run temporal:setup` as a process, the way a deploy runs it before the workers start. */
async function temporalSetup(address: string, namespace: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', join('src', 'starters', 'temporal-setup.ts')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const code = await new Promise<number | null>((ok) => child.on('exit', ok));
  if (code !== 0) throw new Error(`temporal:setup for namespace ${namespace} exited with ${code}:\n${output}`);
}

// `npm run temporal:server:provision` (and .ci/run) call this file directly to provision ahead of time.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureServerTools()
    .then((tools) =>
      console.log(`Temporal server: ${tools.server}\nSQL tool: ${tools.sqlTool}\nSource: ${tools.moduleDir}`),
    )
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
