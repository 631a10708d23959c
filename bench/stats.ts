/**
 * Latency and throughput figures for benchmarks: run an operation with a fixed number in flight,
 * record each latency, report ops/s and percentiles.
 */

export interface Figures {
  readonly ops: number;
  readonly seconds: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Runs `op(i)` for i in [0, count) with `concurrency` in flight; returns the figures. */
export async function measure(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<Figures> {
  const latencies = new Float64Array(count);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t = performance.now();
        await op(i);
        latencies[i] = performance.now() - t;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  return {
    ops: count,
    seconds: round(seconds, 3),
    opsPerSecond: Math.round(count / seconds),
    p50Ms: round(percentile(latencies, 0.5), 3),
    p99Ms: round(percentile(latencies, 0.99), 3),
  };
}

/** The q-quantile of sorted values (nearest rank). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Prints a table row per named figure, with its ratio to a floor. */
export function printTable(rows: readonly { name: string; figures: Figures; floor?: Figures }[]): void {
  const header = ['benchmark', 'ops/s', 'p50 ms', 'p99 ms', 'floor ops/s', 'floor p50 ms', 'ratio (ops/s)'];
  const lines = rows.map(({ name, figures, floor }) => [
    name,
    String(figures.opsPerSecond),
    figures.p50Ms.toFixed(3),
    figures.p99Ms.toFixed(3),
    floor ? String(floor.opsPerSecond) : '',
    floor ? floor.p50Ms.toFixed(3) : '',
    floor ? `${round(figures.opsPerSecond / floor.opsPerSecond, 2)}×` : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  process.stdout.write(`${fmt(header)}\n${lines.map(fmt).join('\n')}\n`);
}
