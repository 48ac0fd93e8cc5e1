import { chown, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePorts, runTool, startDaemon, stopLeftover, waitUntil, type RunAs } from './processes';
import { isExecutable, onPath } from './tools';

/**
 * A private PostgreSQL for the production-shaped Temporal server in the tests: its own data
 * directory, port and socket directory, so it never touches a cluster the machine runs for
 * itself. Binaries from the system's packages (Debian: postgresql, /usr/lib/postgresql/<v>/bin).
 * initdb and postgres refuse to run as root: as root they run as the `postgres` system user the
 * package creates.
 */
export interface PostgresOptions {
  /** Deleted and created again: each run starts from an empty cluster. */
  dir: string;
  /** The superuser initdb creates (and the password it gets), as the postgres image's POSTGRES_USER does. */
  user: string;
  password: string;
}

export interface Postgres {
  host: string;
  port: number;
  logFile: string;
  stop(): Promise<void>;
}

/** PG_BIN, else the newest /usr/lib/postgresql/<v>/bin (Debian), else the directory of initdb on PATH. */
export async function findPostgresBin(): Promise<string | undefined> {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  for (const v of versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)))
    candidates.push(`/usr/lib/postgresql/${v}/bin`);
  const initdb = await onPath('initdb');
  if (initdb) candidates.push(dirname(initdb));
  for (const dir of candidates) {
    if (await isExecutable(join(dir, 'initdb'))) return dir;
  }
  return undefined;
}

async function postgresUser(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([runTool('id', ['-u', 'postgres']), runTool('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  } catch {
    throw new Error(
      'Running as root, and PostgreSQL refuses to: no `postgres` system user to run it as (the postgresql package creates one).',
    );
  }
}

export async function startPostgres(opts: PostgresOptions): Promise<Postgres> {
  const bin = await findPostgresBin();
  if (!bin)
    throw new Error(
      'No PostgreSQL found (initdb): install it (Debian/Ubuntu: apt-get install postgresql) or set PG_BIN to its bin directory.',
    );
  const runAs = await postgresUser();
  // Run as the postgres user, the cluster must be where that user can reach it: the project may
  // sit below a directory only root may enter (a clone in a `mktemp -d` directory is 0700). So
  // it goes to a fixed place in the temp directory, one per project, where a leftover is found
  // again; the log stays with the project.
  const clusterDir = runAs
    ? join(tmpdir(), `retail-postgres-${createHash('sha256').update(opts.dir).digest('hex').slice(0, 12)}`)
    : opts.dir;
  const dataDir = join(clusterDir, 'data');
  const logFile = join(opts.dir, 'postgres.log');
  // A cluster a killed run left running would hold the directory (and its port).
  await stopLeftover(join(dataDir, 'postmaster.pid'), dataDir, 'SIGQUIT');
  await rm(opts.dir, { recursive: true, force: true });
  await rm(clusterDir, { recursive: true, force: true });
  await mkdir(opts.dir, { recursive: true });
  await mkdir(clusterDir, { recursive: true, mode: 0o755 });
  await mkdir(dataDir, { mode: 0o700 });
  const pwFile = join(clusterDir, 'pwfile');
  await writeFile(pwFile, `${opts.password}\n`, { mode: 0o600 });
  if (runAs) await Promise.all([dataDir, pwFile].map((p) => chown(p, runAs.uid, runAs.gid)));
  const env = { PATH: process.env.PATH, LC_ALL: 'C' };
  try {
    await runTool(
      join(bin, 'initdb'),
      // --no-sync as fsync=off below: a throwaway cluster.
      [
        ...['-D', dataDir, '-U', opts.user, `--pwfile=${pwFile}`, '--auth=scram-sha-256'],
        ...['-E', 'UTF8', '--no-locale', '--no-sync'],
      ],
      // From a directory the postgres user may enter, whatever the caller's is.
      { runAs, env, cwd: clusterDir },
    );
  } finally {
    await rm(pwFile, { force: true });
  }

  const [port] = await freePorts(1);
  const host = '127.0.0.1';
  const server = startDaemon(
    join(bin, 'postgres'),
    [
      ...['-D', dataDir, '-p', String(port), '-k', dataDir],
      ...['-c', `listen_addresses=${host}`],
      // Four Temporal services with a pool each (20 connections per service for the default store).
      ...['-c', 'max_connections=200'],
      // A throwaway cluster for a test run: durability buys nothing here and costs seconds.
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    ],
    { logFile, runAs, env, cwd: clusterDir },
  );
  const stop = () => server.stop('SIGINT', 30_000); // SIGINT: PostgreSQL's fast shutdown
  try {
    await waitUntil(
      'PostgreSQL to accept connections',
      async () => {
        await runTool(join(bin, 'pg_isready'), ['-q', '-h', host, '-p', String(port)], { env, timeoutMs: 5_000 });
        return true;
      },
      { timeoutMs: 60_000, daemon: server, logFile },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, port: port!, logFile, stop };
}
