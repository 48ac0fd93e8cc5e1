import { Runtime } from '@temporalio/worker';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from 'pino';

/** Routes the SDK's and the workflows' logs (wf.log, activity log) into our pino JSON logs. */
export function installRuntimeLogger(logger: Logger): void {
  const to = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (message: string, meta?: LogMetadata) =>
    logger[level](withErr(meta), message);
  const adapter: TemporalLogger = {
    log: (level: LogLevel, message: string, meta?: LogMetadata) => to(level.toLowerCase() as 'info')(message, meta),
    trace: to('trace'),
    debug: to('debug'),
    info: to('info'),
    warn: to('warn'),
    error: to('error'),
  };
  Runtime.install({ logger: adapter, telemetryOptions: { logging: { forward: {}, filter: 'WARN' } } });
}

/** The SDK hands failures over as `error`; pino only serialises an Error (message, stack) under `err`. */
function withErr(meta: LogMetadata | undefined): LogMetadata {
  if (!meta || !(meta.error instanceof Error)) return meta ?? {};
  const { error, ...rest } = meta;
  return { ...rest, err: error };
}
