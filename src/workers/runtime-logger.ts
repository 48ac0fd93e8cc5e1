import { Runtime } from '@temporalio/worker';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from 'pino';

/** Routes the SDK's and the workflows' logs (wf.log, activity log) into our pino JSON logs. */
export function installRuntimeLogger(logger: Logger): void {
  const to = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (message: string, meta?: LogMetadata) => logger[level](meta ?? {}, message);
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
