import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig, resolveServer, useContext } from './config.js';

describe('CLI config', () => {
  const dirs: string[] = [];
  const temp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-config-'));
    dirs.push(dir);
    return join(dir, 'nested', 'config');
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('treats a missing file as empty, and writes contexts it can read back', () => {
    const path = temp();
    expect(readConfig(path).contexts).toEqual([]);
    useContext({ name: 'local', server: 'http://127.0.0.1:6443', namespace: 'default' }, path);
    useContext({ name: 'lab', server: 'http://127.0.0.1:7443' }, path);
    useContext({ name: 'local', server: 'http://127.0.0.1:6444' }, path);
    const config = readConfig(path);
    expect(config.currentContext).toBe('local');
    expect(config.contexts).toEqual([
      { name: 'lab', server: 'http://127.0.0.1:7443' },
      { name: 'local', server: 'http://127.0.0.1:6444' },
    ]);
  });

  it.each([
    ['the flag first', 'http://flag', { SKIFF_SERVER: 'http://env' }, 'http://flag'],
    ['then SKIFF_SERVER', undefined, { SKIFF_SERVER: 'http://env' }, 'http://env'],
    ['then the current context', undefined, {}, 'http://ctx'],
  ])('resolves the server: %s', (_label, flag, env, expected) => {
    const path = temp();
    useContext({ name: 'c', server: 'http://ctx' }, path);
    expect(resolveServer(flag, { ...env, SKIFF_CONFIG: path })).toBe(expected);
  });

  it('ignores malformed entries', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'skiff-config-')), 'config');
    dirs.push(join(path, '..'));
    writeFileSync(path, 'currentContext: x\ncontexts:\n  - name: x\n  - {name: y, server: "http://y"}\n');
    expect(readConfig(path).contexts).toEqual([{ name: 'y', server: 'http://y' }]);
  });
});
