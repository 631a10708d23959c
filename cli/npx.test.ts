import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// `npx skiff` must run this checkout's built CLI, never install a copy into npx's cache (which
// rebuilds the package on every call). `--no-install` makes npx fail instead of installing.
describe('npx skiff', () => {
  it('resolves to this checkout through node_modules/.bin, with no install', async () => {
    expect(readlinkSync(path.join(root, 'node_modules', '.bin', 'skiff'))).toBe(
      path.join('..', '..', 'bin', 'run.js'),
    );
    // Offline and without npm's update check: nothing here may depend on reaching the registry.
    const env = { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' };
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'skiff', 'version'], {
      cwd: root,
      env,
    });
    expect(stdout).toMatch(/^Client Version: v\d+\.\d+\.\d+/);
  }, 60_000); // npm itself is slow to load on a busy 2-core machine
});
