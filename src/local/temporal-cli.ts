import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goAvailable, goInstall, isExecutable, onPath, TOOLS_BIN } from './tools';

export { PROJECT_ROOT } from './tools';

/**
 * Finds the Temporal CLI (the dev server the demo and the tests run on), or builds the pinned
 * version. Order: TEMPORAL_CLI_PATH, `temporal` on PATH, the project cache .tools/bin/temporal,
 * then `go install` of v1.5.1 into that cache (later tags carry a `replace` directive that breaks
 * `go install`). Returns undefined when none of that is possible, so the caller can fall back to
 * the SDK's own download on a machine with internet.
 */
export const PINNED_CLI_VERSION = '1.5.1';

export async function findTemporalCli(): Promise<string | undefined> {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (await isExecutable(fromEnv)) return fromEnv;
    throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`);
  }
  return (
    (await onPath('temporal')) ??
    ((await isExecutable(join(TOOLS_BIN, 'temporal'))) ? join(TOOLS_BIN, 'temporal') : undefined)
  );
}

/** Builds the pinned CLI with the Go toolchain from the Go module proxy into .tools/bin. */
export async function buildTemporalCli(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<string> {
  log(
    `Building the Temporal CLI v${PINNED_CLI_VERSION} with go install into .tools/bin (first build takes several minutes; later runs reuse it)...`,
  );
  await goInstall({
    packages: [`github.com/temporalio/cli/cmd/temporal@v${PINNED_CLI_VERSION}`],
    binaries: { temporal: 'temporal' },
    ldflags: `-s -w -X github.com/temporalio/cli/temporalcli.Version=${PINNED_CLI_VERSION}`,
  });
  return join(TOOLS_BIN, 'temporal');
}

/**
 * The CLI path to hand to `@temporalio/testing` as `existing-path`, building it if needed.
 * Undefined means: no CLI and no Go here; use the SDK's download (works only with internet).
 */
export async function ensureTemporalCli(log?: (line: string) => void): Promise<string | undefined> {
  const found = await findTemporalCli();
  if (found) return found;
  if (await goAvailable()) return buildTemporalCli(log);
  (log ?? ((l) => process.stderr.write(`${l}\n`)))(
    'No Temporal CLI and no Go toolchain found: falling back to the SDK download (needs internet).',
  );
  return undefined;
}

// `npm run temporal:provision` (and .ci/run) call this file directly to provision ahead of time.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureTemporalCli()
    .then((path) => console.log(path ? `Temporal CLI: ${path}` : 'Temporal CLI: SDK download at first use'))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
