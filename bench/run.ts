/**
 * `npm run bench -- <name> [--flag value ...]`: runs one benchmark (or all), each printing its
 * figures and, from the same run, the floors they are measured against.
 */
import { parseArgs } from 'node:util';
import { benchApi } from './api.js';
import { benchPods } from './pods.js';
import { benchProxy } from './proxy.js';
import { benchScheduler } from './scheduler.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    count: { type: 'string' },
    concurrency: { type: 'string' },
    nodes: { type: 'string' },
    pods: { type: 'string' },
    podman: { type: 'string' },
    hollow: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    connections: { type: 'string' },
  },
});

const benches: Record<string, () => Promise<void>> = {
  api: () =>
    benchApi({
      count: Number(values.count ?? 5000),
      concurrency: Number(values.concurrency ?? 64),
    }),
  pods: () =>
    benchPods({
      podman: Number(values.podman ?? 20),
      hollow: Number(values.hollow ?? 200),
      hollowRate: Number(values.rate ?? 20),
    }),
  proxy: () =>
    benchProxy({
      seconds: Number(values.seconds ?? 4),
      connections: Number(values.connections ?? 8),
    }),
  scheduler: () =>
    benchScheduler({
      nodes: Number(values.nodes ?? 5000),
      pods: Number(values.pods ?? 10000),
    }),
};

const names = positionals.length > 0 ? positionals : Object.keys(benches);
for (const name of names) {
  const bench = benches[name];
  if (!bench) {
    process.stderr.write(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}\n`);
    process.exit(2);
  }
  process.stdout.write(`# ${name}\n`);
  await bench();
}
