import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listContexts, mergeContext, readKubeconfig, setContext, useContext } from './config.js';

describe('config contexts (get-contexts, use-context, set-context)', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-ctx-'));
    path = join(dir, 'config');
    mergeContext({ name: 'b', server: 'http://127.0.0.1:2' }, path);
    mergeContext({ name: 'a', server: 'http://127.0.0.1:1', namespace: 'web' }, path);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists contexts by name with the current one marked', () => {
    expect(listContexts(readKubeconfig(path))).toEqual([
      { name: 'a', cluster: 'a', user: 'a', namespace: 'web', current: true },
      { name: 'b', cluster: 'b', user: 'b', namespace: '', current: false },
    ]);
  });

  it('switches to an existing context only', () => {
    expect(useContext('b', path)).toBe(true);
    expect(readKubeconfig(path)['current-context']).toBe('b');
    expect(useContext('nope', path)).toBe(false);
    expect(readKubeconfig(path)['current-context']).toBe('b');
  });

  it('modifies a context, removes a field with an empty value, and creates new ones', () => {
    expect(setContext('b', { namespace: 'dev' }, path)).toBe('modified');
    expect(listContexts(readKubeconfig(path)).find((c) => c.name === 'b')?.namespace).toBe('dev');
    expect(setContext('a', { namespace: '' }, path)).toBe('modified');
    expect(listContexts(readKubeconfig(path)).find((c) => c.name === 'a')?.namespace).toBe('');
    expect(setContext('c', { cluster: 'a', user: 'a' }, path)).toBe('created');
    expect(listContexts(readKubeconfig(path)).map((c) => c.name)).toEqual(['a', 'b', 'c']);
  });
});
