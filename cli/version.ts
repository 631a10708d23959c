/**
 * The version Skiff reports, read once from package.json next to the compiled tree.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Walks up from this file to the package.json that names `skiff`, and returns its version. */
export function skiffVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (isSkiffPackage(pkg)) return pkg.version;
    } catch (err) {
      // No package.json at this level (ENOENT) is expected while walking up; anything else is not.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find the skiff package.json');
}

function isSkiffPackage(pkg: unknown): pkg is { name: 'skiff'; version: string } {
  return (
    typeof pkg === 'object' &&
    pkg !== null &&
    (pkg as { name?: unknown }).name === 'skiff' &&
    typeof (pkg as { version?: unknown }).version === 'string'
  );
}
