import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../../../../protocol/testing/builders.js';
import { nodeInfoOf, runFilter } from '../../testing/fixtures.js';
import { create, ERR_REASON, NAME } from './node-name.js';

describe(NAME, () => {
  it.each([
    { name: 'no nodeName: every node fits', nodeName: undefined, node: 'n1', code: 'Success' },
    { name: 'nodeName equals the node', nodeName: 'n1', node: 'n1', code: 'Success' },
    { name: 'nodeName names another node', nodeName: 'n2', node: 'n1', code: 'UnschedulableAndUnresolvable' },
  ])('$name', ({ nodeName, node, code }) => {
    const builder = makePod('p');
    const pod = (nodeName === undefined ? builder : builder.node(nodeName)).obj();
    const status = runFilter(create(), pod, nodeInfoOf(makeNode(node).obj()));
    expect(status.code).toBe(code);
    expect(status.reasons).toEqual(code === 'Success' ? [] : [ERR_REASON]);
  });
});
