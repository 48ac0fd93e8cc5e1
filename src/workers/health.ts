import { createServer, type Server } from 'node:http';
import type { Worker } from '@temporalio/worker';
import type { Logger } from 'pino';

/**
 * The worker's health endpoint for Kubernetes probes: `GET /healthz` answers 200 while the worker
 * polls its task queue (state RUNNING) and 503 otherwise (starting, draining on SIGTERM, failed),
 * so a pod that stopped polling is taken out and restarted. Port 0 turns it off.
 */
export function serveWorkerHealth(worker: Pick<Worker, 'getState'>, port: number, logger: Logger): Server | undefined {
  if (port === 0) return undefined;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/healthz') {
      res.writeHead(404).end();
      return;
    }
    const state = worker.getState();
    res
      .writeHead(state === 'RUNNING' ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify({ state }));
  });
  server.on('error', (err) => logger.error({ err: err.message, port }, 'worker health endpoint failed'));
  server.listen(port, () => logger.info({ port }, 'worker health endpoint listening'));
  // Never keeps the process alive on its own: the worker's run decides when the process ends.
  server.unref();
  return server;
}
