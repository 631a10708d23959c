/**
 * Append faults for a real NATS bus, the counterpart of MemoryBus's own (`bus.faults`): a Bus that
 * hands out event logs whose appends can be made to fail, or be held back and sent later (so the
 * appends behind them reach JetStream first, as after a retried publish). Everything else goes to
 * the real bus and the real server unchanged. Test support only.
 */
import type { AppendOptions, AppendResult, Bus, EventLog } from '../protocol/bus.js';
import { BusError } from '../protocol/errors.js';
import type { Subject } from '../protocol/subjects.js';

type Fault = { readonly kind: 'fail' } | { readonly kind: 'hold'; readonly gate: Promise<void> };

/** A held append: `hits` counts appends caught (0 or 1); `release` sends it on. */
export interface HeldAppend {
  readonly hits: number;
  release(): Promise<void>;
}

/** Wraps `bus`: `failAppends` and `holdAppend` act on the next appends to any of its logs. */
export function withLogFaults(bus: Bus): {
  bus: Bus;
  failAppends(times: number): void;
  holdAppend(): HeldAppend;
} {
  const faults: Fault[] = [];
  const wrap = (log: EventLog): EventLog =>
    new Proxy(log, {
      get(target, property, receiver) {
        if (property !== 'append') return Reflect.get(target, property, receiver);
        return async (
          subject: Subject,
          data: Uint8Array | string,
          options?: AppendOptions,
        ): Promise<AppendResult> => {
          const fault = faults.shift();
          if (fault?.kind === 'fail') throw new BusError('injected append failure');
          if (fault?.kind === 'hold') await fault.gate;
          return target.append(subject, data, options);
        };
      },
    });
  const faulty = new Proxy(bus, {
    get(target, property, receiver) {
      if (property !== 'log') return Reflect.get(target, property, receiver);
      return async (...args: Parameters<Bus['log']>) => wrap(await target.log(...args));
    },
  });
  return {
    bus: faulty,
    failAppends(times) {
      for (let i = 0; i < times; i++) faults.push({ kind: 'fail' });
    },
    holdAppend() {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const fault: Fault = { kind: 'hold', gate };
      faults.push(fault);
      return {
        get hits() {
          return faults.includes(fault) ? 0 : 1;
        },
        async release() {
          open();
        },
      };
    },
  };
}
