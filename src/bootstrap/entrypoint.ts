import { ConfigError } from '../config/env';
import { MappingError } from '../config/mapping-file';

/** Runs a process entry point: configuration mistakes print a clear message and exit 1, without a stack. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError || err instanceof MappingError) console.error(err.message);
    else console.error(err);
    process.exit(1);
  });
}
