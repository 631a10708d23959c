import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  currentContext,
  kubeconfigPath,
  mergeContext,
  readKubeconfig,
  removeContext,
  resolveServer,
} from './config.js';

describe('CLI config (a kubeconfig)', () => {
  const dirs: string[] = [];
  const temp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-config-'));
    dirs.push(dir);
    return join(dir, 'nested', 'config');
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('treats a missing file as empty, and writes contexts it reads back as current', () => {
    const path = temp();
    expect(readKubeconfig(path).contexts).toEqual([]);
    mergeContext({ name: 'skiff', server: 'http://127.0.0.1:6443', namespace: 'default' }, path);
    mergeContext({ name: 'lab', server: 'http://127.0.0.1:7443' }, path);
    mergeContext({ name: 'skiff', server: 'http://127.0.0.1:6444' }, path);
    const config = readKubeconfig(path);
    expect(config.contexts.map((c) => c.name)).toEqual(['lab', 'skiff']);
    expect(currentContext(config)).toEqual({ name: 'skiff', server: 'http://127.0.0.1:6444' });
  });

  it.each([
    ['the flag first', 'http://flag', { SKIFF_SERVER: 'http://env' }, 'http://flag'],
    ['then SKIFF_SERVER', undefined, { SKIFF_SERVER: 'http://env' }, 'http://env'],
    ['then the current context', undefined, {}, 'http://ctx'],
  ])('resolves the server: %s', (_label, flag, env, expected) => {
    const path = temp();
    mergeContext({ name: 'c', server: 'http://ctx' }, path);
    expect(resolveServer(flag, { ...env, SKIFF_CONFIG: path })).toBe(expected);
  });

  it("merges into someone else's kubeconfig and takes out only its own entries, restoring their context", () => {
    const path = temp();
    mergeContext({ name: 'prod', server: 'https://prod.example:6443' }, path);
    const theirs = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    // Fields Skiff does not know stay as they were.
    writeFileSync(
      path,
      JSON.stringify({ ...theirs, preferences: { colors: true }, extensions: [{ name: 'x' }] }),
    );
    const previous = mergeContext({ name: 'skiff', server: 'http://127.0.0.1:6443' }, path);
    expect(previous).toBe('prod');
    expect(currentContext(readKubeconfig(path))?.name).toBe('skiff');
    removeContext('skiff', previous, path);
    const after = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(after).toMatchObject({
      preferences: { colors: true },
      extensions: [{ name: 'x' }],
      'current-context': 'prod',
    });
    expect(readKubeconfig(path).contexts.map((c) => c.name)).toEqual(['prod']);
  });

  it('finds the user kubeconfig as kubectl does', () => {
    expect(kubeconfigPath({ KUBECONFIG: `/a/one${':'}/b/two`, HOME: '/home/u' })).toBe('/a/one');
    expect(kubeconfigPath({ HOME: '/home/u' })).toBe('/home/u/.kube/config');
  });

  it('ignores malformed entries', () => {
    const path = temp();
    mergeContext({ name: 'ok', server: 'http://ok' }, path);
    writeFileSync(
      path,
      `${readFileSync(path, 'utf8')}\n`.replace('contexts:', 'contexts:\n  - name: broken'),
    );
    expect(readKubeconfig(path).contexts.map((c) => c.name)).toEqual(['ok']);
  });

  it('is a kubeconfig kubectl reads with no flags', async () => {
    const path = temp();
    mergeContext({ name: 'skiff', server: 'http://127.0.0.1:6443', namespace: 'team' }, path);
    const { stdout } = await promisify(execFile)('kubectl', ['config', 'view', '--minify', '-o', 'json'], {
      env: { ...process.env, KUBECONFIG: path },
    });
    const view = JSON.parse(stdout) as {
      clusters: { cluster: { server: string } }[];
      contexts: { context: { namespace: string } }[];
    };
    expect(view.clusters[0]?.cluster.server).toBe('http://127.0.0.1:6443');
    expect(view.contexts[0]?.context.namespace).toBe('team');
  });
});
