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
    // The toolchain's real floor: vite 8 needs ^20.19.0 || >=22.12.0, vitest 4 skips Node 23.
    expect(pkg.engines.node).toBe('^20.19.0 || ^22.12.0 || >=24.0.0');
  });

  // Tests and builds run on the same Nodes as the product, so development tools are checked too:
  // every package must accept the lowest version of each line the project accepts.
  it('depends on nothing that refuses a Node the project accepts', () => {
    const floors = pkg.engines.node
      .split('||')
      .map((range) => semver.minVersion(range.trim())?.version ?? '');
    expect(floors).toEqual(['20.19.0', '22.12.0', '24.0.0']);
    const refusing = Object.entries(lock.packages)
      .filter(([path, meta]) => path !== '' && !meta.optional)
      .flatMap(([path, meta]) => {
        const range = Array.isArray(meta.engines) ? undefined : meta.engines?.node;
        const refused = floors.filter((floor) => range && !semver.satisfies(floor, range));
        return refused.length > 0
          ? [`${path.replace(/^.*node_modules\//, '')} (node ${range}; refuses ${refused.join(', ')})`]
          : [];
      });
    expect(refusing).toEqual([]);
  });
});
