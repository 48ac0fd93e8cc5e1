import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../../src/connectors/http';

// Every outside call in a trace: a client span under the activity's, and the W3C traceparent on
// the request so the system called (or a proxy in front of it) can join the trace.
let server: Server;
let url: string;
const received: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(req.headers);
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => {
  trace.disable();
  context.disable();
  propagation.disable();
  server?.close();
});

describe('HTTP calls and traces', () => {
  it('sends no trace header while the process exports no traces', async () => {
    await send({ system: 'sitoo', method: 'GET', url: `${url}/orders` });
    expect(received.at(-1)!.traceparent).toBeUndefined();
  });

  it('makes each call a client span under the caller, and sends its trace on in traceparent', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    const tracer = trace.getTracer('test');
    const parent = await tracer.startActiveSpan('RunActivity:readOrder', async (span) => {
      await send({ system: 'sitoo', method: 'GET', url: `${url}/orders?access_token=secret` });
      await send({ system: 'erp', method: 'POST', url: `${url}/missing`, body: { a: 1 } });
      span.end();
      return span.spanContext();
    });
    const calls = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(calls.map((s) => s.name)).toEqual(['GET sitoo', 'POST erp']);
    for (const [i, call] of calls.entries()) {
      expect(call.spanContext().traceId).toBe(parent.traceId);
      expect(call.parentSpanId).toBe(parent.spanId);
      // version 00, the trace, this call's span as the parent of whatever the server does, sampled.
      expect(received.at(i - 2)!.traceparent).toBe(`00-${parent.traceId}-${call.spanContext().spanId}-01`);
    }
    expect(calls[0]!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
      'url.path': '/orders',
      'retail.system': 'sitoo',
    });
    // The query string (where a token may travel) is never recorded.
    expect(JSON.stringify(calls[0]!.attributes)).not.toContain('secret');
    expect(calls[1]!.attributes['http.response.status_code']).toBe(404);
    expect(calls[1]!.status.code).toBe(2); // ERROR
    await provider.shutdown();
  });
});
