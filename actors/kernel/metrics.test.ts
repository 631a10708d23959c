import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry, type MetricsServer, serveMetrics } from './metrics.js';

let server: MetricsServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('createRegistry', () => {
  it('labels every series with the component', async () => {
    const registry = createRegistry({ component: 'scheduler' });
    new Counter({ name: 'skiff_test_binds_total', help: 'binds', registers: [registry] }).inc(2);
    expect(await registry.metrics()).toContain('skiff_test_binds_total{component="scheduler"} 2');
  });

  it('keeps registries apart, so two components in one process can register the same name', () => {
    const a = createRegistry({ component: 'a' });
    const b = createRegistry({ component: 'b' });
    const make = (registry: typeof a) =>
      new Counter({ name: 'skiff_same_total', help: 'x', registers: [registry] });
    expect(() => {
      make(a);
      make(b);
    }).not.toThrow();
  });

  it('adds process metrics when asked', async () => {
    const registry = createRegistry({ component: 'kubelet', processMetrics: true });
    expect(await registry.metrics()).toContain('process_cpu_user_seconds_total');
  });
});

describe('serveMetrics', () => {
  it('serves the text exposition on a free loopback port', async () => {
    const registry = createRegistry({ component: 'apiserver' });
    new Counter({ name: 'skiff_requests_total', help: 'requests', registers: [registry] }).inc();
    server = await serveMetrics({ registry, port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# HELP skiff_requests_total requests');
    expect(text).toContain('skiff_requests_total{component="apiserver"} 1');
  });

  it.each([
    ['GET', '/healthz', 200, 'ok\n'],
    ['GET', '/nope', 404, 'not found\n'],
    ['POST', '/metrics', 405, 'method not allowed\n'],
  ])('%s %s → %d', async (method, path, status, body) => {
    server = await serveMetrics({ registry: createRegistry({ component: 'x' }) });
    const res = await fetch(`${server.url}${path}`, { method });
    expect(res.status).toBe(status);
    expect(await res.text()).toBe(body);
  });

  it('closes even while a client holds a keep-alive connection', async () => {
    server = await serveMetrics({ registry: createRegistry({ component: 'x' }) });
    await (await fetch(`${server.url}/healthz`, { keepalive: true })).text();
    await server.close();
    const closed = server;
    server = undefined;
    await expect(fetch(`${closed.url}/healthz`)).rejects.toThrow();
  });
});
