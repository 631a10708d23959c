import { describe, expect, it } from 'vitest';
import { type ManifestFs, parseManifests, readManifests } from './manifests.js';

const DEPLOY = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n';
const SVC = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\n';

/** An in-memory file system: paths ending in `/` are directories. */
function memoryFs(files: Record<string, string>, stdin = ''): ManifestFs {
  const dirs = new Set<string>();
  for (const path of Object.keys(files)) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return {
    kind: (p) => (p in files ? 'file' : dirs.has(p) ? 'dir' : undefined),
    list: (d) => [
      ...new Set(
        [...Object.keys(files), ...dirs]
          .filter((p) => p.startsWith(`${d}/`))
          .map((p) => p.slice(d.length + 1).split('/')[0] as string),
      ),
    ],
    read: (p) => files[p] as string,
    stdin: () => stdin,
  };
}

const names = (set: ReturnType<typeof parseManifests>) =>
  set.manifests.map((m) => `${m.object.kind}/${m.object.metadata.name}`);

describe('parseManifests', () => {
  it.each([
    ['one YAML document', DEPLOY, ['Deployment/web']],
    ['several documents with ---', `${DEPLOY}---\n${SVC}`, ['Deployment/web', 'Service/web']],
    [
      'empty documents skipped',
      `---\n${DEPLOY}---\n---\n# just a comment\n---\n${SVC}`,
      ['Deployment/web', 'Service/web'],
    ],
    ['JSON', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }), ['Pod/p']],
    [
      'a List expands to its items',
      'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n',
      ['Pod/a', 'Pod/b'],
    ],
    [
      'a typed list (PodList) as well',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'PodList',
        items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }],
      }),
      ['Pod/a'],
    ],
    ['an empty file', '', []],
  ])('%s', (_what, text, expected) => {
    const set = parseManifests('f.yaml', text);
    expect(set.errors).toEqual([]);
    expect(names(set)).toEqual(expected);
  });

  it.each([
    [
      'no kind',
      'apiVersion: v1\nmetadata: {name: a}\n',
      'error validating "f.yaml": error validating data: kind not set',
    ],
    [
      'no apiVersion nor kind',
      'metadata: {name: a}\n',
      'error validating "f.yaml": error validating data: [apiVersion not set, kind not set]',
    ],
    [
      'not an object',
      '- a\n- b\n',
      'error validating "f.yaml": error validating data: the document is not an object',
    ],
  ])('reports a document with %s and keeps the others', (_what, bad, message) => {
    const set = parseManifests('f.yaml', `${DEPLOY}---\n${bad}---\n${SVC}`);
    expect(names(set)).toEqual(['Deployment/web', 'Service/web']);
    expect(set.errors).toEqual([{ source: 'f.yaml', message }]);
  });

  it('reports YAML that does not parse, naming the file', () => {
    const set = parseManifests('f.yaml', 'a: [\n');
    expect(set.errors[0]?.message).toMatch(/^error parsing f\.yaml: /);
  });

  it('reads YAML 1.2: y and on stay strings', () => {
    const set = parseManifests(
      'f.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: y, b: on}\n',
    );
    expect(set.manifests[0]?.object.data).toEqual({ a: 'y', b: 'on' });
  });
});

describe('readManifests', () => {
  const fs = memoryFs(
    {
      'web.yaml': DEPLOY,
      'dir/b.yaml': SVC,
      'dir/a.json': JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }),
      'dir/notes.txt': 'not a manifest',
      'dir/sub/c.yml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n',
    },
    SVC,
  );

  it.each([
    ['a file', ['web.yaml'], false, ['Deployment/web']],
    ['stdin (-)', ['-'], false, ['Service/web']],
    ['a directory: its manifest files by name, no subdirectories', ['dir'], false, ['Pod/p', 'Service/web']],
    ['a directory with -R', ['dir'], true, ['Pod/p', 'Service/web', 'ConfigMap/c']],
    ['several -f in order', ['web.yaml', '-'], false, ['Deployment/web', 'Service/web']],
  ])('%s', (_what, paths, recursive, expected) => {
    expect(names(readManifests(paths, { recursive, fs }))).toEqual(expected);
  });

  it('names the source of each object (STDIN for -)', () => {
    const set = readManifests(['dir/b.yaml', '-'], { fs });
    expect(set.manifests.map((m) => m.source)).toEqual(['dir/b.yaml', 'STDIN']);
  });

  it("refuses a missing path in kubectl's words", () => {
    expect(() => readManifests(['nope.yaml'], { fs })).toThrow('the path "nope.yaml" does not exist');
  });
});
