/**
 * Every installed package must run on the Node this project supports: a dependency whose
 * `engines.node` excludes it (as @nats-io/nuid 3 does, needing Node 22) fails here rather than
 * on a user's machine. Optional platform packages for other systems are not installed and not checked.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean; dev?: boolean }>;
};

describe('engines', () => {
  it('declares the Node it supports', () => {
    expect(pkg.engines.node).toBe('>=20.18.1');
  });

  // Development tools (vite needs 20.19) run on developers' machines; what users install must run
  // on every Node the package accepts.
  it('depends on nothing that refuses Node 20.18.1', () => {
    const floor = semver.minVersion(pkg.engines.node)?.version ?? '20.18.1';
    const refusing = Object.entries(lock.packages)
      .filter(([path, meta]) => path !== '' && !meta.optional && !meta.dev)
      .flatMap(([path, meta]) => {
        const range = Array.isArray(meta.engines) ? undefined : meta.engines?.node;
        return range && !semver.satisfies(floor, range)
          ? [`${path.replace(/^.*node_modules\//, '')} (node ${range})`]
          : [];
      });
    expect(refusing).toEqual([]);
  });
});
