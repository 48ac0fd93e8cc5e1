import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { seededRandom } from '../simulators/random';

/**
 * Stands between Sitoo and the receiver like a flaky load balancer: it answers some batches with
 * 503 without forwarding them, so Sitoo's retry and head-of-line blocking are exercised for real.
 */
export async function startFlakyProxy(target: string, failureRate: number, seed = 7) {
  const random = seededRandom(seed);
  let refused = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (random() < failureRate) {
      refused++;
      res.writeHead(503).end();
      return;
    }
    try {
      // The caller's own content type goes through, so the receiver judges what Sitoo really sent.
      const headers = {
        authorization: req.headers.authorization ?? '',
        ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}),
      };
      const upstream = await request(`${target}${req.url}`, {
        method: req.method as 'POST',
        headers,
        body: Buffer.concat(chunks),
      });
      res.writeHead(upstream.statusCode, { 'content-type': 'application/json' }).end(await upstream.body.text());
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused: () => refused,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
