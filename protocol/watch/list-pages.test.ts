import { describe, expect, it } from 'vitest';
import { waitFor } from '../../actors/kernel/testing/wait-for.js';
import type { ObjectList } from '../api.js';
import { SimulatedClock } from '../clock.js';
import { expired, isReason, unavailable } from '../errors.js';
import { listAllPages, restartDelay } from './list-pages.js';

type Step = readonly [readonly string[], string | undefined, string] | Error;

/** A scripted server: each read answers with the next step (a page of names, or an error). */
function server(steps: readonly Step[]) {
  const sent: (string | undefined)[] = [];
  let next = 0;
  const read = async (token: string | undefined): Promise<ObjectList<string>> => {
    sent.push(token);
    const step = steps[next++];
    if (step === undefined) throw new Error('no more steps');
    if (step instanceof Error) throw step;
    const [items, more, resourceVersion] = step;
    return {
      apiVersion: 'v1',
      kind: 'List',
      metadata: { resourceVersion, ...(more ? { continue: more } : {}) },
      items,
    };
  };
  return { read, sent };
}

const gone = () => expired('The provided continue parameter is too old');

describe('listAllPages', () => {
  it('follows continue tokens and reports the first page revision', async () => {
    const s = server([
      [['a', 'b'], 't1', '7'],
      [['c'], 't2', '7'],
      [['d'], undefined, '7'],
    ]);
    const result = await listAllPages(s.read, { clock: new SimulatedClock() });
    expect(result).toEqual({ items: ['a', 'b', 'c', 'd'], resourceVersion: '7' });
    expect(s.sent).toEqual([undefined, 't1', 't2']);
  });

  it('starts again from the first page when a continue page expired, after a growing wait', async () => {
    const clock = new SimulatedClock();
    const s = server([
      [['a'], 't1', '7'],
      gone(),
      [['a'], 't1', '9'],
      gone(),
      [['a'], 't1', '11'],
      [['b'], undefined, '11'],
    ]);
    const restarts: [number, number][] = [];
    const done = listAllPages(s.read, { clock, onRestart: (n, delay) => restarts.push([n, delay]) });
    await waitFor(() => expect(restarts).toHaveLength(1));
    await clock.advance(restartDelay(1) - 1);
    expect(s.sent).toHaveLength(2); // still waiting
    await clock.advance(1);
    await waitFor(() => expect(restarts).toHaveLength(2));
    await clock.advance(restartDelay(2));
    expect(await done).toEqual({ items: ['a', 'b'], resourceVersion: '11' });
    expect(restarts).toEqual([
      [1, restartDelay(1)],
      [2, restartDelay(2)],
    ]);
    expect(s.sent).toEqual([undefined, 't1', undefined, 't1', undefined, 't1']);
  });

  it.each<[string, Step[]]>([
    ['a first page that is Expired', [gone()]],
    ['another failure of a continue page', [[['a'], 't1', '7'], unavailable('store down')]],
  ])('passes on %s without restarting', async (_, steps) => {
    const s = server(steps);
    await expect(listAllPages(s.read, { clock: new SimulatedClock() })).rejects.toThrow();
    expect(s.sent).toHaveLength(steps.length);
  });

  it('gives up after maxRestarts, with the Expired error', async () => {
    const clock = new SimulatedClock();
    const s = server([[['a'], 't1', '7'], gone(), [['a'], 't1', '8'], gone()]);
    const done = listAllPages(s.read, { clock, maxRestarts: 1 }).catch((err: unknown) => err);
    await waitFor(() => expect(s.sent).toHaveLength(2));
    await clock.advance(restartDelay(1));
    expect(isReason(await done, 'Expired')).toBe(true);
    expect(s.sent).toHaveLength(4);
  });

  it('stops waiting when its signal is aborted', async () => {
    const stop = new AbortController();
    const s = server([[['a'], 't1', '7'], gone()]);
    const done = listAllPages(s.read, { clock: new SimulatedClock(), signal: stop.signal }).catch(
      (err: unknown) => err,
    );
    await waitFor(() => expect(s.sent).toHaveLength(2));
    stop.abort(new Error('stopping'));
    expect(await done).toBeInstanceOf(Error);
    expect(s.sent).toHaveLength(2);
  });

  it.each([
    [1, 50],
    [2, 100],
    [7, 3_200],
    [8, 5_000],
    [100, 5_000],
  ])('waits %i: %i ms', (restart, ms) => {
    expect(restartDelay(restart)).toBe(ms);
  });
});
