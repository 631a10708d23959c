/**
 * What every `skiff run <component>` shares: the connection flags, the bus (NATS when a URL is
 * given, else the in-process bus), structured logs on stderr (stdout is for the one line that
 * says the component is ready), and a clean stop on SIGINT/SIGTERM.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { pino } from 'pino';
import { RedisStore } from '../actors/apiserver/store/redis/store.js';
import { SqliteStore } from '../actors/apiserver/store/sqlite/store.js';
import type { Store } from '../actors/apiserver/store/store.js';
import { MemoryBus } from '../actors/kernel/bus/memory.js';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import { createLogger, type Logger } from '../actors/kernel/log.js';
import type { Bus } from '../protocol/bus.js';

/** Flags every component takes. */
export const componentFlags = {
  nats: Flags.string({
    description: 'NATS server URL (default: $NATS_URL; none: the in-process bus)',
    env: 'NATS_URL',
  }),
  prefix: Flags.string({
    description: 'Subject, stream and key prefix: several clusters can share one NATS and one Redis',
    default: 'skiff',
    env: 'SKIFF_PREFIX',
  }),
  'log-level': Flags.string({
    description: 'Minimum log level',
    options: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    default: 'info',
    env: 'SKIFF_LOG_LEVEL',
  }),
};

/** A component's root logger: JSON lines on stderr. */
export function componentLogger(component: string, level: string): Logger {
  return createLogger({
    component,
    level: level as 'info',
    destination: pino.destination({ fd: 2, sync: true }),
  });
}

/** Connects to NATS when a URL is given, else returns the in-process bus. */
export async function connectBus(url: string | undefined, name: string, log: Logger): Promise<Bus> {
  if (!url) {
    log.info('no NATS URL: using the in-process bus');
    return new MemoryBus({ log });
  }
  log.info({ nats: url }, 'connecting to NATS');
  return NatsBus.connect({ servers: url, name, log });
}

/**
 * Installs SIGINT/SIGTERM handlers at once (call it before starting anything, so a signal during
 * start-up is never met by Node's default handler) and resolves with the first signal. A second
 * signal exits at once, as users expect from a second Ctrl-C.
 */
export function shutdownSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      received = true;
      log.info({ signal }, 'stopping');
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** Parses `host:port` (port 0 picks a free one). */
export function parseListen(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  const host = colon > 0 ? value.slice(0, colon) : '127.0.0.1';
  const port = Number(colon >= 0 ? value.slice(colon + 1) : value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid listen address ${value}`);
  return { host, port };
}

/** Opens Redis when a URL is given, else the embedded store (one SQLite file per prefix in `dataDir`). */
export async function openStore(
  redis: string | undefined,
  dataDir: string,
  prefix: string,
  log: Logger,
): Promise<Store> {
  if (redis) {
    log.info({ redis }, 'connecting to Redis');
    return RedisStore.open({ url: redis, prefix, log });
  }
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, `${prefix}.db`);
  log.info({ path }, 'no Redis URL: using the embedded store');
  return new SqliteStore({ path });
}
