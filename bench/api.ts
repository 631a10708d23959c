/**
 * `npm run bench -- api [--count N] [--concurrency C]`: API server throughput and latency for
 * create, get and list over NATS with Redis, beside the floors measured in the same run on the
 * same servers: raw NATS request/reply with a reply of the same size, and raw Redis doing the same
 * amount of work without Skiff (a Lua write, an HGET, a 500-key range read).
 */
import { Redis } from 'ioredis';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import { silentLogger } from '../actors/kernel/log.js';
import { TestCluster } from '../integration/cluster.js';
import { sharedServices } from '../integration/harness.js';
import { Subjects } from '../protocol/subjects.js';
import { type Figures, measure, printTable } from './stats.js';

export interface ApiBenchOptions {
  readonly count: number;
  readonly concurrency: number;
}

const configMap = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels: { app: 'bench', tier: 'web' } },
  data: { 'config.yaml': 'x'.repeat(256) },
});

/** Runs the API benchmark and prints one JSON line per figure, then a table. */
export async function benchApi(options: ApiBenchOptions): Promise<void> {
  const services = await sharedServices();
  const natsUrl = services.nats?.url ?? '';
  const redisUrl = services.redis?.url ?? '';
  const cluster = await TestCluster.start('bench', {
    natsUrl,
    redisUrl,
    server: { relay: { blockMs: 100 } },
  });
  const { client, bus } = await cluster.client();
  const { count, concurrency } = options;
  try {
    const sample = await client.create('configmaps', configMap('sample'));
    const replyBytes = Buffer.byteLength(JSON.stringify({ ok: true, body: sample }));

    const floors = await measureFloors(natsUrl, redisUrl, count, concurrency, replyBytes, cluster.prefix);
    const create = await measure(count, concurrency, (i) => client.create('configmaps', configMap(`b-${i}`)));
    const get = await measure(count, concurrency, (i) => client.get('configmaps', 'default', `b-${i}`));
    const list = await measure(Math.max(20, Math.floor(count / 50)), Math.min(concurrency, 8), () =>
      client.list('configmaps', { namespace: 'default', limit: 500 }),
    );
    const rows = [
      { name: 'create (NATS + Redis)', figures: create, floor: floors.write },
      { name: 'get (NATS + Redis)', figures: get, floor: floors.request },
      { name: 'list 500 (NATS + Redis)', figures: list, floor: floors.range },
      { name: 'floor: NATS request/reply', figures: floors.request },
      { name: 'floor: Redis Lua write', figures: floors.redisWrite },
      { name: 'floor: Redis HGET', figures: floors.redisGet },
      { name: 'floor: Redis 500-key range', figures: floors.range },
    ];
    for (const row of rows) {
      process.stdout.write(
        `${JSON.stringify({ bench: 'api', name: row.name, concurrency, ...row.figures })}\n`,
      );
    }
    printTable(rows);
  } finally {
    await bus.close();
    await cluster.dispose();
    await services.dispose();
  }
}

/**
 * The floors: what NATS and Redis alone do for the same traffic. `write` is the slower of a raw
 * request/reply and a raw Lua write: a create costs at least both, one after the other.
 */
export async function measureFloors(
  natsUrl: string,
  redisUrl: string,
  count: number,
  concurrency: number,
  replyBytes: number,
  prefix: string,
): Promise<{ request: Figures; redisWrite: Figures; redisGet: Figures; range: Figures; write: Figures }> {
  const bus = await NatsBus.connect({ servers: natsUrl, name: 'bench-floor', log: silentLogger() });
  const subjects = new Subjects(`${prefix}floor`);
  const reply = 'x'.repeat(replyBytes);
  const echo = bus.subscribe(subjects.api('get', 'echo'), (msg) => msg.respond(reply));
  const redis = new Redis(redisUrl, { protocol: 2, enableAutoPipelining: true });
  const tag = `{${prefix}floor}`;
  redis.defineCommand('floorWrite', {
    numberOfKeys: 3,
    lua: `local r = redis.call('INCR', KEYS[1]) redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) redis.call('XADD', KEYS[3], 'MAXLEN', '~', 1000, '*', 'o', ARGV[2]) return r`,
  });
  const body = JSON.stringify(configMap('floor'));
  const floorWrite = (i: number) =>
    (redis as unknown as { floorWrite(...a: string[]): Promise<number> }).floorWrite(
      `${tag}:rev`,
      `${tag}:o`,
      `${tag}:outbox`,
      `default/f-${i}`,
      body,
    );
  try {
    const payload = JSON.stringify({ namespace: 'default', name: 'x' });
    const request = await measure(count, concurrency, () =>
      bus.request(subjects.api('get', 'echo'), payload, { timeoutMs: 5_000 }),
    );
    const redisWrite = await measure(count, concurrency, floorWrite);
    const redisGet = await measure(count, concurrency, (i) => redis.hget(`${tag}:o`, `default/f-${i}`));
    for (let i = 0; i < 500; i++) await redis.zadd(`${tag}:k`, 0, `default/f-${i}`);
    const range = await measure(Math.max(20, Math.floor(count / 50)), Math.min(concurrency, 8), async () => {
      const keys = await redis.zrangebylex(`${tag}:k`, '-', '+', 'LIMIT', 0, 500);
      return redis.hmget(`${tag}:o`, ...keys);
    });
    const write = redisWrite.opsPerSecond < request.opsPerSecond ? redisWrite : request;
    return { request, redisWrite, redisGet, range, write };
  } finally {
    echo.unsubscribe();
    await redis.del(`${tag}:rev`, `${tag}:o`, `${tag}:outbox`, `${tag}:k`);
    redis.disconnect();
    await bus.close();
  }
}
