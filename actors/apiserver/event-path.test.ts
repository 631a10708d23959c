import { Subjects } from '../../protocol/subjects.js';
import { MemoryBus } from '../kernel/bus/memory.js';
import { describeEventPathContract } from './event-path-contract.js';
import { SqliteStore } from './store/sqlite/store.js';

// The in-process bus, with its own fault injection (actors/kernel/bus/memory-faults.ts).
describeEventPathContract('in-process bus', async (options) => {
  const bus = new MemoryBus();
  const store = new SqliteStore({ path: ':memory:', ...options });
  const subjects = new Subjects('skiff');
  const log = subjects.eventsStream();
  return {
    bus,
    store,
    subjects,
    failAppends: (times) => {
      bus.faults.logAppend({ kind: 'fail', log, times });
    },
    holdAppend: () => bus.faults.logAppend({ kind: 'hold', hold: 'storage', log }),
    async cleanup() {
      bus.faults.clear();
      await store.close();
      await bus.close();
    },
  };
});
