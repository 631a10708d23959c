/**
 * CI cannot go green by skipping: under CI=true a suite that lacks a server or tool fails, naming
 * what is missing. The decision is a pure function (table below); the second suite runs a real
 * integration file in a child vitest with NATS unreachable and shows the one line it fails with.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort, isCi, suiteVerdict } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('suiteVerdict', () => {
  it.each([
    ['nothing missing, CI', undefined, { CI: 'true' }, { type: 'run' }],
    ['nothing missing, laptop', undefined, {}, { type: 'run' }],
    [
      'missing, laptop',
      'missing NATS (no nats-server binary)',
      {},
      { type: 'skip', reason: 'missing NATS (no nats-server binary)' },
    ],
    ['missing, CI=false', 'missing Redis', { CI: 'false' }, { type: 'skip', reason: 'missing Redis' }],
    [
      'missing, CI=true',
      'missing NATS (NATS_URL=nats://127.0.0.1:9 does not answer)',
      { CI: 'true' },
      {
        type: 'fail',
        message: 'CI=true and "suite" cannot run: missing NATS (NATS_URL=nats://127.0.0.1:9 does not answer)',
      },
    ],
    [
      'missing, CI=1',
      'no kubectl',
      { CI: '1' },
      { type: 'fail', message: 'CI=true and "suite" cannot run: no kubectl' },
    ],
  ] as const)('%s', (_case, reason, env, verdict) => {
    expect(suiteVerdict('suite', reason, env)).toEqual(verdict);
  });

  it('reads CI the way CI systems set it', () => {
    expect([isCi({ CI: 'true' }), isCi({ CI: '1' }), isCi({ CI: '' }), isCi({})]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('an integration file under CI=true with NATS unreachable', () => {
  it('fails with one line naming what is missing, and the summary counts it as failed', async () => {
    const closed = await freePort(); // nothing listens there once freePort returns
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      // The child is a vitest of its own: nothing of this worker's identity may leak into it.
      if (!key.startsWith('VITEST') && !['NODE_ENV', 'TEST', 'FORCE_COLOR'].includes(key)) env[key] = value;
    }
    Object.assign(env, {
      CI: 'true',
      NO_COLOR: '1',
      NATS_URL: `nats://127.0.0.1:${closed}`,
      // No nats-server on the path either (Debian installs it to /usr/sbin).
      PATH: (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter((dir) => dir !== '/usr/sbin' && dir !== '/sbin')
        .join(path.delimiter),
    });
    const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
    const child = spawn(
      process.execPath,
      [vitest, 'run', '--project', 'integration', 'integration/api-guarantees.test.ts'],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const missing = `CI=true and "API server guarantees (NATS + Redis)" cannot run: missing NATS (NATS_URL=nats://127.0.0.1:${closed} does not answer)`;
    expect(code, output).toBe(1);
    expect(output.split('\n')).toContain(missing);
    expect(output).toMatch(/^0 passed, 1 failed, 0 skipped$/m);
  });
});
