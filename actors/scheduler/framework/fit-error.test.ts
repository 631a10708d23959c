import { describe, expect, it } from 'vitest';
import { FitError, NO_NODES_AVAILABLE_MESSAGE, type NodeRejection } from './fit-error.js';
import { type Status, unresolvable, unschedulable } from './status.js';

const cpu = unschedulable('Insufficient cpu');
const memory = unschedulable('Insufficient memory');
const taint = unresolvable('node(s) had untolerated taint {node-role: db}');

function rejections(...groups: [number, string, Status][]): NodeRejection[] {
  let n = 0;
  return groups.flatMap(([count, plugin, status]) =>
    Array.from({ length: count }, () => ({ nodeName: `n${n++}`, plugin, status })),
  );
}

describe('FitError.message', () => {
  it.each<{ name: string; all: number; rejected: NodeRejection[]; message: string }>([
    {
      name: 'kube-scheduler order: the printed entries sorted as strings',
      all: 5,
      rejected: rejections([3, 'NodeResourcesFit', cpu], [2, 'TaintToleration', taint]),
      message:
        '0/5 nodes are available: 2 node(s) had untolerated taint {node-role: db}, 3 Insufficient cpu.',
    },
    {
      name: 'a node short of two resources counts for both',
      all: 2,
      rejected: rejections(
        [1, 'NodeResourcesFit', unschedulable('Insufficient cpu', 'Insufficient memory')],
        [1, 'NodeResourcesFit', memory],
      ),
      message: '0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.',
    },
    {
      name: 'counts sort as text, like Go sort.Strings (10 before 9)',
      all: 19,
      rejected: rejections([10, 'NodeResourcesFit', memory], [9, 'NodeResourcesFit', cpu]),
      message: '0/19 nodes are available: 10 Insufficient memory, 9 Insufficient cpu.',
    },
    {
      name: 'the fixed reasons of the other plugins',
      all: 4,
      rejected: rejections(
        [1, 'NodeName', unresolvable("node(s) didn't match the requested node name")],
        [1, 'NodeUnschedulable', unresolvable('node(s) were unschedulable')],
        [1, 'NodeAffinity', unresolvable("node(s) didn't match Pod's node affinity/selector")],
        [1, 'NodePorts', unschedulable("node(s) didn't have free ports for the requested pod ports")],
      ),
      message:
        "0/4 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, " +
        "1 node(s) didn't match Pod's node affinity/selector, 1 node(s) didn't match the requested node name, " +
        '1 node(s) were unschedulable.',
    },
  ])('$name', ({ all, rejected, message }) => {
    expect(FitError.fromRejections(all, rejected).message()).toBe(message);
  });

  it('prints a PreFilter rejection once for all nodes', () => {
    const nodes = ['a', 'b', 'c'].map(
      (name) => ({ name }) as Parameters<typeof FitError.fromPreFilter>[2][number],
    );
    const error = FitError.fromPreFilter('Gate', unresolvable('pod has unresolved gates'), nodes);
    expect(error.message()).toBe('0/3 nodes are available: pod has unresolved gates.');
    expect(error.preemptionCandidates).toEqual([]);
    expect(error.unschedulablePlugins).toEqual(new Set(['Gate']));
  });

  it('says when there are no nodes at all', () => {
    expect(FitError.noNodes().message()).toBe(NO_NODES_AVAILABLE_MESSAGE);
  });

  it('keeps the plugins that rejected and the nodes where preemption could help', () => {
    const error = FitError.fromRejections(
      5,
      rejections([3, 'NodeResourcesFit', cpu], [2, 'TaintToleration', taint]),
    );
    expect(error.unschedulablePlugins).toEqual(new Set(['NodeResourcesFit', 'TaintToleration']));
    expect(error.preemptionCandidates).toEqual(['n0', 'n1', 'n2']);
    expect(error.reasons.get('Insufficient cpu')).toBe(3);
  });
});
