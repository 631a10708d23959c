import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeToken, encodeToken, prefixOfStreamBase, Subjects } from './subjects.js';

const s = new Subjects('skiff');

describe('encodeToken', () => {
  it.each([
    ['web', 'web'],
    ['my.app', 'my_2eapp'],
    ['', '_'],
    ['a_b', 'a_5fb'],
    ['*', '_2a'],
    ['>', '_3e'],
    ['$SYS', '_24SYS'],
    ['a b', 'a_20b'],
    ['é', '_c3_a9'],
  ])('%j → %j', (input, token) => {
    expect(encodeToken(input)).toBe(token);
    expect(decodeToken(token)).toBe(input);
  });

  it('is reversible and always yields one safe token, for every string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const token = encodeToken(value);
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeToken(token)).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('is reversible for every valid DNS-1123 subdomain name', () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
    const subdomain = fc.array(label, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.'));
    fc.assert(
      fc.property(subdomain, (name) => {
        const subject = s.event({ resource: 'configmaps', namespace: 'default', name });
        expect(subject.split('.')).toHaveLength(5);
        expect(s.parseEvent(subject)).toEqual({ resource: 'configmaps', namespace: 'default', name });
      }),
    );
  });

  it.each(['_zz', '_2', 'a.b', '_41'])('rejects %j, which encodeToken cannot produce', (token) => {
    expect(() => decodeToken(token)).toThrow(/invalid subject token/);
  });
});

describe('Subjects', () => {
  it('builds API subjects with an optional subresource', () => {
    expect(s.api('create', 'pods')).toBe('skiff.api.create.pods');
    expect(s.api('update', 'deployments', 'scale')).toBe('skiff.api.update.deployments.scale');
    expect(s.parseApi('skiff.api.update.deployments.scale')).toEqual({
      verb: 'update',
      resource: 'deployments',
      subresource: 'scale',
    });
    expect(s.parseApi('skiff.api.get')).toBeUndefined();
    expect(s.parseApi('other.api.get.pods')).toBeUndefined();
  });

  it('addresses pods by node and everything else by namespace and name', () => {
    expect(s.event({ resource: 'pods', namespace: 'default', name: 'web.1', node: 'node-a' })).toBe(
      'skiff.events.pods.default.web_2e1.node-a',
    );
    expect(s.event({ resource: 'pods', namespace: 'default', name: 'web' })).toBe(
      'skiff.events.pods.default.web._',
    );
    expect(s.event({ resource: 'nodes', namespace: '', name: 'node-a' })).toBe('skiff.events.nodes._.node-a');
    expect(s.events({ resource: 'pods', node: 'node-a' })).toBe('skiff.events.pods.*.*.node-a');
    expect(s.events({ resource: 'deployments', namespace: 'prod' })).toBe('skiff.events.deployments.prod.*');
    expect(s.events()).toBe('skiff.events.>');
    expect(() => s.events({ namespace: 'x' })).toThrow();
    expect(() => s.events({ resource: 'nodes', node: 'x' })).toThrow();
  });

  it('keeps other subject families apart', () => {
    expect(s.desired('deployments')).toBe('skiff.desired.deployments');
    expect(s.nodeHeartbeat('a.b')).toBe('skiff.node.a_2eb.heartbeat');
    expect(s.nodeAll('n1')).toBe('skiff.node.n1.>');
    expect(new Subjects('skiff.t1').eventsStream()).toBe('SKIFF_2ET1_EVENTS');
    expect(new Subjects().eventsStream()).toBe('SKIFF_EVENTS');
  });

  it('gives alike prefixes distinct streams', () => {
    const names = ['team.a', 'team_a', 'TEAM_A', 'Team-a', 'team-a'].map((p) =>
      new Subjects(p).eventsStream(),
    );
    expect(new Set(names).size).toBe(names.length);
  });

  it('maps every valid prefix to stream names reversibly', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 4 }), (tokens) => {
        const prefix = tokens.join('.');
        const stream = new Subjects(prefix).eventsStream();
        expect(stream).toMatch(/^[A-Z0-9_-]+$/);
        expect(prefixOfStreamBase(stream.slice(0, -'_EVENTS'.length))).toBe(prefix);
      }),
    );
  });

  it.each(['', 'a..b', 'a.*', 'a.>', 'a b', '.a'])('rejects prefix %j', (prefix) => {
    expect(() => new Subjects(prefix)).toThrow(/invalid subject prefix/);
  });
});
