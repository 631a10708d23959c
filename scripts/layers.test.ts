import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findStrayErrorClasses, findViolations, importsOf, layerRule } from './layers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('layering', () => {
  it('holds in this tree', () => {
    expect(findViolations(root)).toEqual([]);
  });

  it('keeps every error class in protocol/errors.ts', () => {
    expect(findStrayErrorClasses(root)).toEqual([]);
  });

  it('is found when planted', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'skiff-layers-'));
    try {
      const put = (file: string, text: string) => {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), text);
      };
      put('protocol/client/informer.ts', "import type { Clock } from '../../actors/kernel/clock.js';\n");
      put('actors/scheduler/binder.ts', "import { commit } from '../apiserver/verbs/commit.js';\n");
      put('actors/kernel/clock.ts', 'export const x = 1;\n');
      put(
        'actors/scheduler/fine.ts',
        "import { x } from '../kernel/clock.js';\nimport { y } from '../../protocol/api.js';\n",
      );
      put(
        'actors/apiserver/verbs/commit.ts',
        "export const commit = 1;\nimport('../../../protocol/client/informer.js');\n",
      );
      put('actors/kernel/system.ts', 'export class SpawnError extends Error {}\n');
      expect(findStrayErrorClasses(dir)).toEqual(['actors/kernel/system.ts']);
      expect(findViolations(dir)).toEqual([
        {
          file: 'protocol/client/informer.ts',
          imports: 'actors/kernel/clock.ts',
          rule: 'protocol/ imports nothing above it',
        },
        {
          file: 'actors/apiserver/verbs/commit.ts',
          imports: 'protocol/client/informer.ts',
          rule: 'the API server does not use the SDK',
        },
        {
          file: 'actors/scheduler/binder.ts',
          imports: 'actors/apiserver/verbs/commit.ts',
          rule: "actors/scheduler/ never imports another component's internals (apiserver)",
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['protocol/watch/log-watch.ts', 'protocol/bus.ts', undefined],
    ['protocol/client/nats.ts', 'actors/kernel/clock.ts', 'protocol/ imports nothing above it'],
    ['protocol/client/nats.test.ts', 'actors/kernel/bus/memory.ts', undefined],
    ['actors/kernel/system.ts', 'actors/scheduler/scheduler.ts', 'actors/kernel/ imports no component'],
    [
      'actors/controllers/replicaset/sync.ts',
      'actors/controllers/deployment/plan.ts',
      expect.stringContaining('another component'),
    ],
    ['actors/controllers/replicaset/sync.ts', 'actors/controllers/replicaset/plan.ts', undefined],
    ['actors/controllers/manager/registry.ts', 'actors/controllers/replicaset/controller.ts', undefined],
    [
      'actors/controllers/manager/registry.ts',
      'actors/controllers/replicaset/sync.ts',
      expect.stringContaining('another component'),
    ],
    ['actors/scheduler/scheduler.ts', 'protocol/client/informer.ts', undefined],
    [
      'actors/apiserver/relay.ts',
      'actors/kernel/testing/wait-for.ts',
      'production code never imports tests or test support',
    ],
    ['actors/apiserver/server.ts', 'cli/config.ts', 'actors/ never import entry points'],
    ['cli/commands/up.ts', 'actors/apiserver/server.ts', undefined],
    ['bench/pods.ts', 'actors/apiserver/testing/cluster.ts', undefined],
    [
      'cli/commands/up.ts',
      'actors/apiserver/testing/cluster.ts',
      'production code never imports tests or test support',
    ],
  ])('%s → %s', (from, to, rule) => {
    expect(layerRule(from, to)).toEqual(rule);
  });

  it('reads static, type-only and dynamic relative imports and re-exports', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "const d = await import('./d.js');",
      "import pino from 'pino';",
    ].join('\n');
    expect(importsOf(source)).toEqual(['./a.js', '../b.js', './c.js', './d.js']);
  });
});
