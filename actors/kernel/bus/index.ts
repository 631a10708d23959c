/**
 * The bus: the interface every actor talks through, and its two implementations.
 * `contract.ts` is test support and deliberately not exported here.
 */
export * from './bus.js';
export * from './consume.js';
export { stderrBusLogger } from './default-logger.js';
export { MemoryBus, type MemoryBusOptions } from './memory.js';
export { NatsBus, type NatsBusOptions } from './nats.js';
