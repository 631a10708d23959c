import { describe, expect, it } from 'vitest';
import { deferred } from './deferred.js';
import { WaitForTimeoutError, waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('resolves once a predicate turns true', async () => {
    let calls = 0;
    await waitFor(() => ++calls >= 3);
    expect(calls).toBe(3);
  });

  it('resolves once an assertion stops throwing, returning its value', async () => {
    let n = 0;
    const value = await waitFor(() => {
      n++;
      expect(n).toBeGreaterThan(2);
      return n;
    });
    expect(value).toBe(3);
  });

  it('awaits async checks', async () => {
    const gate = deferred<number>();
    setTimeout(() => gate.resolve(7), 1);
    await expect(waitFor(async () => (await gate.promise) === 7)).resolves.toBe(true);
  });

  it('times out with the last assertion failure in the message and as the cause', async () => {
    const failure = await waitFor(
      () => {
        expect('running').toBe('stopped');
      },
      { timeoutMs: 30, intervalMs: 5, description: 'pod stopped' },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WaitForTimeoutError);
    const error = failure as WaitForTimeoutError;
    expect(error.message).toMatch(
      /^pod stopped not met after 30 ms \(\d+ attempts\); last failure: .*running/,
    );
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('says so when a predicate simply kept returning false', async () => {
    await expect(waitFor(() => false, { timeoutMs: 20 })).rejects.toThrow(/kept returning false/);
  });
});

describe('deferred', () => {
  it('settles from outside and remembers it did', async () => {
    const d = deferred<string>();
    expect(d.settled).toBe(false);
    d.resolve('ok');
    expect(d.settled).toBe(true);
    await expect(d.promise).resolves.toBe('ok');
  });
});
