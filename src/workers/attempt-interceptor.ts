import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { bindAttemptSignal, deadlineMargin } from '../activities/attempt';

/**
 * Gives every activity attempt a signal that aborts its outside calls when Temporal cancels the
 * attempt or when the attempt's own deadline (start-to-close minus a margin) passes, and keeps an
 * attempt with a heartbeat timeout heartbeating while it waits on a slow system. Without the
 * heartbeats a slow ERP call would be declared dead and retried beside itself; with them the
 * server's cancellation (timeout, workflow closed) reaches the attempt and, through the signal,
 * the HTTP call.
 */
export const attemptInterceptor: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const info = ctx.info;
      const deadline = new AbortController();
      const timers: NodeJS.Timeout[] = [];
      if (info.startToCloseTimeoutMs) {
        const ms = Math.max(0, info.startToCloseTimeoutMs - deadlineMargin(info.startToCloseTimeoutMs));
        timers.push(
          setTimeout(
            () =>
              deadline.abort(
                new Error(`activity attempt ${info.attempt} of ${info.activityType} reached its deadline (${ms} ms)`),
              ),
            ms,
          ),
        );
      }
      if (info.heartbeatTimeoutMs) timers.push(keepHeartbeating(ctx, info.heartbeatTimeoutMs));
      bindAttemptSignal(ctx, AbortSignal.any([ctx.cancellationSignal, deadline.signal]));
      try {
        return await next(input);
      } finally {
        for (const t of timers) clearTimeout(t);
      }
    },
  },
});

/** Re-sends the activity's last heartbeat details (its progress) often enough to stay alive. */
function keepHeartbeating(ctx: Context, heartbeatTimeoutMs: number): NodeJS.Timeout {
  let last: unknown;
  const own = ctx.heartbeat;
  // The activity's own heartbeats carry its progress; remember them so ours repeat, not erase, them.
  (ctx as { heartbeat: Context['heartbeat'] }).heartbeat = (details?: unknown) => {
    last = details;
    own(details);
  };
  return setInterval(() => own(last), Math.max(200, Math.floor(heartbeatTimeoutMs / 3)));
}
