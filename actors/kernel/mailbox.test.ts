import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mailbox } from './mailbox.js';

describe('Mailbox', () => {
  it('delivers in FIFO order, for any sequence', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer(), { maxLength: 3000 }), async (values) => {
        const box = new Mailbox<number>();
        for (const v of values) box.put(v);
        box.close();
        const out: number[] = [];
        for await (const v of box) out.push(v);
        expect(out).toEqual(values);
      }),
      { numRuns: 50 },
    );
  });

  it('hands an item straight to a taker that was waiting, oldest taker first', async () => {
    const box = new Mailbox<string>();
    const first = box.take();
    const second = box.take();
    box.put('a');
    box.put('b');
    expect(await first).toEqual({ done: false, value: 'a' });
    expect(await second).toEqual({ done: false, value: 'b' });
    expect(box.size).toBe(0);
  });

  it('keeps order when puts and takes interleave', async () => {
    const box = new Mailbox<number>();
    const out: number[] = [];
    const consumer = (async () => {
      for await (const v of box) out.push(v);
    })();
    for (let i = 0; i < 100; i++) {
      box.put(i);
      if (i % 7 === 0) await Promise.resolve();
    }
    box.close();
    await consumer;
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('after close, refuses puts but still yields what was queued, then done', async () => {
    const box = new Mailbox<string>();
    box.put('a');
    expect(box.close()).toBe(0);
    expect(box.closed).toBe(true);
    expect(box.put('b')).toBe(false);
    expect(await box.take()).toEqual({ done: false, value: 'a' });
    expect(await box.take()).toEqual({ done: true });
    expect(await box.take()).toEqual({ done: true });
  });

  it('close wakes every waiting taker with done', async () => {
    const box = new Mailbox<string>();
    const takes = [box.take(), box.take(), box.take()];
    box.close();
    expect(await Promise.all(takes)).toEqual([{ done: true }, { done: true }, { done: true }]);
  });

  it('close with discard drops the queue and reports how many items it dropped', async () => {
    const box = new Mailbox<number>();
    for (let i = 0; i < 5; i++) box.put(i);
    expect(box.close({ discard: true })).toBe(5);
    expect(box.size).toBe(0);
    expect(await box.take()).toEqual({ done: true });
  });

  it('reports each item leaving, synchronously, on both hand-off paths', async () => {
    const taken: string[] = [];
    const box = new Mailbox<string>((item) => taken.push(item));
    const waiting = box.take();
    box.put('direct');
    expect(taken).toEqual(['direct']);
    box.put('queued');
    expect(taken).toEqual(['direct']);
    const later = box.take();
    expect(taken).toEqual(['direct', 'queued']);
    expect(await waiting).toEqual({ done: false, value: 'direct' });
    expect(await later).toEqual({ done: false, value: 'queued' });
  });
});
