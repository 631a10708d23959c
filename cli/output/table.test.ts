import { describe, expect, it } from 'vitest';
import { formatLabels, printTable, type Table } from './table.js';

const pods: Table = {
  kind: 'Table',
  apiVersion: 'meta.k8s.io/v1',
  columnDefinitions: [
    { name: 'Name', type: 'string', format: 'name', priority: 0 },
    { name: 'Ready', type: 'string', priority: 0 },
    { name: 'Status', type: 'string', priority: 0 },
    { name: 'Restarts', type: 'integer', priority: 0 },
    { name: 'Age', type: 'string', priority: 0 },
    { name: 'IP', type: 'string', priority: 1 },
    { name: 'Node', type: 'string', priority: 1 },
  ],
  rows: [
    {
      cells: ['web-1', '1/1', 'Running', 0, '5s', '10.0.0.4', 'n1'],
      object: { metadata: { name: 'web-1', namespace: 'default', labels: { tier: 'front', app: 'web' } } },
    },
    {
      cells: ['db-0', '0/1', 'Pending', 2, '3m20s', '<none>', '<none>'],
      object: { metadata: { name: 'db-0', namespace: 'prod' } },
    },
  ],
};

describe('printTable (kubectl get)', () => {
  it.each([
    [
      'default columns',
      {},
      [
        'NAME    READY   STATUS    RESTARTS   AGE',
        'web-1   1/1     Running   0          5s',
        'db-0    0/1     Pending   2          3m20s',
      ],
    ],
    [
      '-o wide adds priority columns',
      { wide: true },
      [
        'NAME    READY   STATUS    RESTARTS   AGE     IP         NODE',
        'web-1   1/1     Running   0          5s      10.0.0.4   n1',
        'db-0    0/1     Pending   2          3m20s   <none>     <none>',
      ],
    ],
    [
      '-A puts NAMESPACE first',
      { withNamespace: true },
      [
        'NAMESPACE   NAME    READY   STATUS    RESTARTS   AGE',
        'default     web-1   1/1     Running   0          5s',
        'prod        db-0    0/1     Pending   2          3m20s',
      ],
    ],
    [
      'several types prefix names with the kind',
      { kindPrefix: 'pod' },
      [
        'NAME        READY   STATUS    RESTARTS   AGE',
        'pod/web-1   1/1     Running   0          5s',
        'pod/db-0    0/1     Pending   2          3m20s',
      ],
    ],
    [
      '--show-labels adds LABELS last',
      { showLabels: true },
      [
        'NAME    READY   STATUS    RESTARTS   AGE     LABELS',
        'web-1   1/1     Running   0          5s      app=web,tier=front',
        'db-0    0/1     Pending   2          3m20s   <none>',
      ],
    ],
    [
      '--no-headers',
      { noHeaders: true },
      ['web-1   1/1   Running   0     5s', 'db-0    0/1   Pending   2     3m20s'],
    ],
  ])('%s', (_, options, lines) => {
    expect(printTable(pods, options)).toBe(`${lines.join('\n')}\n`);
  });

  it('prints nothing for an empty table', () => {
    expect(printTable({ ...pods, rows: [] })).toBe('');
  });

  it.each([
    [undefined, '<none>'],
    [{}, '<none>'],
    [{ b: '2', a: '1' }, 'a=1,b=2'],
  ])('formatLabels(%j) = %s', (labels, text) => {
    expect(formatLabels(labels)).toBe(text);
  });
});
