import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';

/** Long-running processes the local servers start and stop: PostgreSQL and the Temporal server. */

/**
 * Ports nothing listens on right now, all different, below 32768: Temporal keeps a service's
 * membership port in a SMALLINT column (cluster_membership.rpc_port), and the kernel's own
 * choice (port 0) comes from the ephemeral range above it.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let tries = 0; servers.length < count; tries++) {
      if (tries > 1000) throw new Error(`no ${count} free ports found between 10000 and 32767`);
      const port = 10_000 + Math.floor(Math.random() * 22_768);
      const server = createServer();
      const listening = await new Promise<boolean>((ok) => {
        server.once('error', () => ok(false));
        server.listen(port, '127.0.0.1', () => ok(true));
      });
      if (listening) servers.push(server);
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  }
}

export interface RunAs {
  uid: number;
  gid: number;
}

/** Runs a command to its end; a failure carries what it printed. */
export function runTool(
  command: string,
  args: string[],
  opts: { runAs?: RunAs; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<string> {
  return new Promise((ok, fail) => {
    execFile(
      command,
      args,
      {
        ...opts.runAs,
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 16 << 20,
      },
      (err, stdout, stderr) => {
        if (err) fail(new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stderr}${stdout}`.trim()));
        else ok(stdout);
      },
    );
  });
}

export interface Daemon {
  pid: number;
  /** Its exit code (or the signal's name); settles when the process has gone. */
  exited: Promise<number | string>;
  /** Sends `signal`, and after `graceMs` kills it; resolves when it has exited. */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<void>;
}

/** Starts a server process with its output appended to `logFile`. */
export function startDaemon(
  command: string,
  args: string[],
  opts: { logFile: string; runAs?: RunAs; env?: NodeJS.ProcessEnv; cwd?: string },
): Daemon {
  const log = openSync(opts.logFile, 'a');
  try {
    const child = spawn(command, args, {
      ...opts.runAs,
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', log, log],
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    const exited = new Promise<number | string>((ok) => {
      child.once('exit', (code, signal) => ok(code ?? signal ?? 'unknown'));
      child.once('error', () => ok('not started'));
    });
    return {
      pid: child.pid,
      exited,
      async stop(signal, graceMs) {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      },
    };
  } finally {
    closeSync(log);
  }
}

/** Polls `check` until it is true; fails at the deadline, or at once when `daemon` exits first. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; daemon?: Daemon; logFile?: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let exitedWith: number | string | undefined;
  void opts.daemon?.exited.then((code) => (exitedWith = code));
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    const why =
      exitedWith !== undefined
        ? `it exited (${exitedWith})`
        : Date.now() > deadline
          ? `timed out after ${opts.timeoutMs} ms${last ? ` (${String(last)})` : ''}`
          : undefined;
    if (why) {
      const tail = opts.logFile ? await logTail(opts.logFile) : '';
      throw new Error(`waiting for ${what}: ${why}${tail ? `\nlast lines of ${opts.logFile}:\n${tail}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function logTail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Stops a process a previous run left behind (a test run killed before its teardown), found by
 * the pid its file names, and only if its command line still mentions `marker` (our data
 * directory): the pid may since have gone to someone else's process.
 */
export async function stopLeftover(pidFile: string, marker: string, signal: NodeJS.Signals): Promise<void> {
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0]!, 10);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !(await commandLineOf(pid))?.includes(marker)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + 30_000;
  while ((await commandLineOf(pid)) !== undefined) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function commandLineOf(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}
