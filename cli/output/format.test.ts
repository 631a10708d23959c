import { describe, expect, it } from 'vitest';
import { ApiError, unavailable } from '../../protocol/errors.js';
import { CommandError, errorLine } from './errors.js';
import { asPrintable, parseOutputFormat, toCustomColumns, toJson, toNames, toYaml } from './format.js';
import { executeJsonPath, parseJsonPath } from './jsonpath.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default', resourceVersion: '3', labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'main', image: 'busybox' },
      { name: 'side', image: 'nginx' },
    ],
    nodeName: 'n1',
  },
  status: {
    phase: 'Running',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'False' },
    ],
  },
};
const list = asPrintable([pod, { ...pod, metadata: { ...pod.metadata, name: 'web-2' } }], false);

describe('parseOutputFormat (-o)', () => {
  it.each([
    [undefined, 'table'],
    ['wide', 'wide'],
    ['yaml', 'yaml'],
    ['json', 'json'],
    ['name', 'name'],
    ['jsonpath={.metadata.name}', 'jsonpath'],
    ['custom-columns=NAME:.metadata.name', 'custom-columns'],
  ])('%s is %s', (value, kind) => {
    expect(parseOutputFormat(value).kind).toBe(kind);
  });

  it.each([
    ['bad', /unable to match a printer suitable for the output format "bad", allowed formats are: /],
    ['jsonpath=', /template format specified but no template given/],
    ['custom-columns=NAME', /unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>/],
    ['custom-columns=', /no custom columns given/],
  ])('%s is refused in kubectl words', (value, message) => {
    expect(() => parseOutputFormat(value)).toThrow(message);
  });
});

describe('jsonpath', () => {
  it.each([
    ['{.metadata.name}', pod, 'web-1'],
    ['.metadata.name', pod, 'web-1'],
    ['{.spec.containers[*].image}', pod, 'busybox nginx'],
    ['{.spec.containers[1].name}', pod, 'side'],
    ['{.spec.containers[-1:].name}', pod, 'side'],
    ['{.items[*].metadata.name}', list, 'web-1 web-2'],
    ['{range .items[*]}{.metadata.name}{"\\n"}{end}', list, 'web-1\nweb-2\n'],
    ['{.status.conditions[?(@.type=="Ready")].status}', pod, 'False'],
    ["{.metadata.labels['app']}", pod, 'web'],
    ['{.metadata.labels}', pod, '{"app":"web"}'],
    ['{..image}', pod, 'busybox nginx'],
    ['{.metadata.missing}', pod, ''],
    ['name={.metadata.name} node={.spec.nodeName}', pod, 'name=web-1 node=n1'],
  ])('%s', (template, data, out) => {
    expect(executeJsonPath(parseJsonPath(template), data)).toBe(out);
  });

  it('refuses an unclosed range', () => {
    expect(() => parseJsonPath('{range .items[*]}{.x}')).toThrow(CommandError);
  });
});

describe('object printers', () => {
  it('prints YAML as kubectl: sorted keys, unindented lists, quoted numeric strings', () => {
    expect(
      toYaml({ metadata: { resourceVersion: '3', name: 'x' }, apiVersion: 'v1', items: [{ a: 1 }] }),
    ).toBe('apiVersion: v1\nitems:\n- a: 1\nmetadata:\n  name: x\n  resourceVersion: "3"\n');
  });

  it('prints JSON with four spaces and sorted keys', () => {
    expect(toJson({ b: 1, a: [true] })).toBe('{\n    "a": [\n        true\n    ],\n    "b": 1\n}\n');
  });

  it('wraps several objects in a List, and leaves one named object alone', () => {
    expect(asPrintable([pod], true)).toBe(pod);
    expect(asPrintable([pod], false)).toEqual({
      apiVersion: 'v1',
      items: [pod],
      kind: 'List',
      metadata: { resourceVersion: '' },
    });
  });

  it('prints names with the kind prefix', () => {
    expect(toNames([pod], 'deployment.apps')).toBe('deployment.apps/web-1\n');
  });

  it('prints custom columns with <none> for what is missing', () => {
    const columns = parseOutputFormat(
      'custom-columns=NAME:.metadata.name,IMAGES:.spec.containers[*].image,IP:.status.podIP',
    );
    if (columns.kind !== 'custom-columns') throw new Error('parsed wrong');
    expect(toCustomColumns(columns.columns, [pod])).toBe(
      'NAME    IMAGES          IP\nweb-1   busybox,nginx   <none>\n',
    );
  });
});

describe('errorLine (kubectl error lines)', () => {
  it.each([
    [new ApiError('NotFound', 'pods "x" not found'), 'Error from server (NotFound): pods "x" not found'],
    [
      new ApiError('Invalid', 'Pod "x" is invalid: spec: Required value'),
      'The Pod "x" is invalid: spec: Required value',
    ],
    [
      new CommandError('the server doesn\'t have a resource type "foo"'),
      'error: the server doesn\'t have a resource type "foo"',
    ],
    [
      unavailable(
        'the API server at http://127.0.0.1:1 refused the connection',
        Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
      ),
      'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?',
    ],
    [new Error('boom'), 'error: boom'],
  ])('%s', (err, line) => {
    expect(errorLine(err)).toBe(line);
  });
});
