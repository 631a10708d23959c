import { type IncomingMessage, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../kernel/testing/wait-for.js';
import { type HttpCluster, startHttpCluster } from './testing.js';

const base = '/api/v1/namespaces/default/configmaps';
const cm = (name: string, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data,
});

describe('HTTP watch streams', () => {
  const clusters: HttpCluster[] = [];
  afterEach(async () => {
    for (const c of clusters.splice(0)) await c.stop();
  });
  const start = async (options: Parameters<typeof startHttpCluster>[0] = {}) => {
    const c = await startHttpCluster(options);
    clusters.push(c);
    return c;
  };
  const post = (c: HttpCluster, body: unknown) =>
    fetch(`${c.url}${base}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const watchers = async (c: HttpCluster) =>
    (await c.registry.getSingleMetricAsString('skiff_apiserver_watchers')).match(/configmaps"} (\d+)/)?.[1];

  /** Opens a raw watch; the response is returned paused, so the test decides when it is read. */
  const open = (c: HttpCluster, query: string, accept = 'application/json') =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${c.url}${base}?${query}`, { headers: { accept } }, (res) => {
        res.pause();
        resolve(res);
      });
      req.on('error', reject);
      req.end();
    });
  const lines = async (res: IncomingMessage) => {
    let text = '';
    for await (const chunk of res) text += (chunk as Buffer).toString();
    return text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: Record<string, unknown> });
  };

  it('sends an expiry while streaming as an ERROR event carrying a 410 Expired Status', async () => {
    const c = await start({ eventLogMaxMessages: 5 });
    const res = await open(c, 'watch=1&resourceVersion=2');
    expect(res.statusCode).toBe(200);
    // The client reads nothing: the socket fills, the watch stalls, and the small log moves on.
    const blob = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 48; i++) await post(c, cm(`big-${i}`, { blob }));
    res.resume();
    const events = await lines(res);
    expect(events.at(-1)).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', reason: 'Expired', code: 410 },
    });
    expect(events.slice(0, -1).every((e) => e.type === 'ADDED')).toBe(true);
  });

  it('renders events as Tables for kubectl get -w', async () => {
    const c = await start();
    const res = await open(c, 'watch=true&timeoutSeconds=1', 'application/json;as=Table;v=v1;g=meta.k8s.io');
    await post(c, cm('shown', { a: '1', b: '2' }));
    res.resume();
    const [event] = await lines(res);
    expect(event).toMatchObject({
      type: 'ADDED',
      object: { kind: 'Table', rows: [{ cells: ['shown', 2, expect.stringMatching(/^\d+s$/)] }] },
    });
  });

  it('closes the watch when the client goes away, and ends watches when the face closes', async () => {
    const c = await start();
    const gone = await open(c, 'watch=1');
    await waitFor(async () => expect(await watchers(c)).toBe('1'));
    gone.destroy();
    await waitFor(async () => expect(await watchers(c)).toBe('0'));
    const kept = await open(c, 'watch=1');
    kept.resume();
    const ended = new Promise<void>((resolve) => kept.on('close', () => resolve()));
    // A client that reads nothing, its watch blocked on a full socket, must not hold up the stop.
    const stalled = await open(c, 'watch=1');
    const blob = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 48; i++) await post(c, cm(`big-${i}`, { blob }));
    await c.server.stop();
    clusters.splice(clusters.indexOf(c), 1);
    await ended;
    stalled.destroy();
    expect(await watchers(c)).toBe('0');
  });
});
