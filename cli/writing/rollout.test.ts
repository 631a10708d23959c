import { describe, expect, it } from 'vitest';
import type { PodTemplateSpec } from '../../protocol/resources/pod.js';
import { deploymentName, historyText, restartPatch } from './rollout.js';

const template = { metadata: {}, spec: { containers: [] } } as unknown as PodTemplateSpec;

describe('deploymentName', () => {
  it.each([[['deployment/web']], [['deploy/web']], [['deploy', 'web']], [['deployments.apps', 'web']]])(
    '%j',
    (args) => {
      expect(deploymentName(args, 'status')).toBe('web');
    },
  );
  it.each([
    [['pod/web'], 'status', 'no status viewer has been implemented for Pod'],
    [['pod/web'], 'history', 'no history viewer has been implemented for Pod'],
    [['deploy'], 'status', 'required resource not specified'],
    [['nope/web'], 'status', 'the server doesn\'t have a resource type "nope"'],
  ] as const)('%j is refused', (args, verb, message) => {
    expect(() => deploymentName(args, verb)).toThrow(message);
  });
});

describe('historyText', () => {
  it('prints the revisions as kubectl does', () => {
    const text = historyText('web', [
      { revision: 1, replicaSet: 'a', template },
      { revision: 2, replicaSet: 'b', changeCause: 'image 2', template },
    ]);
    expect(text).toBe(
      'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         image 2\n\n',
    );
  });
  it('says when there is none', () => {
    expect(historyText('web', [])).toBe('deployment.apps/web \nNo rollout history found.\n');
  });
});

describe('restartPatch', () => {
  it('stamps restartedAt in RFC 3339 on the template', () => {
    expect(restartPatch(new Date('2026-12-04T22:00:01.123Z'))).toEqual({
      spec: {
        template: {
          metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-04T22:00:01Z' } },
        },
      },
    });
  });
});
