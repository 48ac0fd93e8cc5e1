import { execFile, spawn } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * What the local tools (the Temporal CLI, the Temporal server and its SQL tool) share: the project
 * cache `.tools/bin`, which git ignores and worktrees may share, and `go install` from the Go
 * module proxy into it.
 */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const TOOLS_BIN = join(PROJECT_ROOT, '.tools', 'bin');

const run = promisify(execFile);

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export async function goAvailable(): Promise<boolean> {
  try {
    await run('go', ['version']);
    return true;
  } catch {
    return false;
  }
}

export interface GoInstallOptions {
  /** `module/cmd/path@version`, one or more from the same module. */
  packages: string[];
  /** The name `go install` gives each binary (its package's last element) -> its name in .tools/bin. */
  binaries: Record<string, string>;
  ldflags?: string;
}

/**
 * `go install` (CGO off: static binaries, no C toolchain needed) into a fresh directory beside
 * .tools/bin, then each binary renamed into place: another checkout sharing .tools never sees a
 * half-written binary, and a failed build leaves nothing behind.
 */
export async function goInstall(opts: GoInstallOptions): Promise<void> {
  await mkdir(TOOLS_BIN, { recursive: true });
  const gobin = await mkdtemp(join(TOOLS_BIN, '..', 'build-'));
  try {
    await new Promise<void>((ok, fail) => {
      const child = spawn('go', ['install', ...(opts.ldflags ? ['-ldflags', opts.ldflags] : []), ...opts.packages], {
        env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', fail);
      child.on('exit', (code) =>
        code === 0 ? ok() : fail(new Error(`go install ${opts.packages.join(' ')} exited with ${code}`)),
      );
    });
    for (const [built, name] of Object.entries(opts.binaries)) await rename(join(gobin, built), join(TOOLS_BIN, name));
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
}

/** Where `go mod download` keeps a module's source (downloading it first if the cache lacks it). */
export async function goModuleDir(moduleAtVersion: string): Promise<string> {
  if (!(await goAvailable()))
    throw new Error(`The source of ${moduleAtVersion} comes from the Go module cache: install Go.`);
  // Outside any go.mod, so no project's module settings get in the way.
  const { stdout } = await run('go', ['mod', 'download', '-json', moduleAtVersion], { cwd: tmpdir() });
  const dir = (JSON.parse(stdout) as { Dir?: string; Error?: string }).Dir;
  if (!dir) throw new Error(`go mod download ${moduleAtVersion} gave no source directory:\n${stdout}`);
  return dir;
}
