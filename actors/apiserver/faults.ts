/**
 * Fault points for crash tests. Production code calls `faults.hit('point')` at the places a crash
 * matters most; normally nothing happens. `SKIFF_FAULTS=relay.before-publish@3` makes the process
 * kill itself (SIGKILL, no cleanup) the 3rd time that point is reached, which is how the fault
 * suite proves that a crash between "committed" and "published" loses nothing.
 */

/** The places a fault can be injected. */
export type FaultPoint = 'relay.before-publish' | 'relay.after-publish' | 'write.after-commit';

export interface Faults {
  hit(point: FaultPoint): void;
}

/** No faults: what every production process runs with. */
export const noFaults: Faults = { hit: () => undefined };

/** Parses `point@n[,point@n]` and returns faults that crash the process at the n-th hit. */
export function faultsFromSpec(spec: string | undefined, crash: () => void = selfKill): Faults {
  if (!spec) return noFaults;
  const armed = new Map<string, number>();
  for (const part of spec.split(',')) {
    const [point, count] = part.split('@');
    if (!point || !count || !Number.isInteger(Number(count)))
      throw new Error(`bad SKIFF_FAULTS entry ${part}`);
    armed.set(point, Number(count));
  }
  const hits = new Map<string, number>();
  return {
    hit(point) {
      const at = armed.get(point);
      if (at === undefined) return;
      const n = (hits.get(point) ?? 0) + 1;
      hits.set(point, n);
      if (n === at) crash();
    },
  };
}

function selfKill(): void {
  process.kill(process.pid, 'SIGKILL');
}
