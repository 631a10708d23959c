/**
 * Test support: where integration tests get NATS and Redis, in this order:
 *   1. `NATS_URL` / `REDIS_URL` when set (CI, a compose lab);
 *   2. local `nats-server` / `redis-server` binaries, started as child processes on free loopback
 *      ports, each in its own temp directory (the only kind that supports `kill`/`restart`);
 *   3. testcontainers, only when a container runtime answers;
 *   4. otherwise the tests skip, with one line naming what is missing; under `CI=true` they fail
 *      with that line instead, so that CI can never go green by skipping (`suiteVerdict`).
 * `sharedServices()` also accepts the machine's default servers (127.0.0.1:4222 / :6379) before
 * starting private ones. Everything listens on, and is reached at, 127.0.0.1 only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';

/** A running server a test can reach, and (when private) stop, crash and restart. */
export interface ServerHandle {
  /** `nats://127.0.0.1:PORT` or `redis://127.0.0.1:PORT` (env URLs are passed through as given). */
  readonly url: string;
  readonly port: number;
  readonly source: 'env' | 'default' | 'process' | 'container';
  /** Credentials the server requires (testcontainers' NATS uses `test`/`test`). */
  readonly user?: string;
  readonly pass?: string;
  /** The process id, for servers started here as child processes. */
  readonly pid: number | undefined;
  /** Graceful stop (SIGTERM); data is kept, so `restart()` brings the same server back. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; data is kept. Child processes only. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data directory. Child processes only. */
  restart(): Promise<void>;
  /** Stops it and deletes its data. A no-op for servers this harness did not start. */
  dispose(): Promise<void>;
}

/** How a private NATS server is started. */
export interface NatsOptions {
  /** Enable JetStream (default true). */
  readonly jetstream?: boolean;
}

/** How a private Redis server is started. */
export interface RedisOptions {
  /** AOF persistence (default false). */
  readonly appendonly?: boolean;
  /** AOF fsync policy (default `everysec`). */
  readonly appendfsync?: 'always' | 'everysec';
}

/** Raised by `startNats` / `startRedis` when nothing here can provide the server; the message says why. */
export class ServiceUnavailableError extends Error {
  override name = 'ServiceUnavailableError';
}

/** What a test file needs: `shared` accepts any server, `private` its own, `faults` one it can kill. */
export type Need = 'shared' | 'private' | 'faults';

const READY_TIMEOUT_MS = 20_000;
const NATS_IMAGE = 'nats:2.9-alpine';
const REDIS_IMAGE = 'redis:7.0-alpine';

// ---------------------------------------------------------------------------------------------
// Public entry points

/** Starts a private NATS server (binary first, else a container); throws `ServiceUnavailableError`. */
export async function startNats(opts: NatsOptions & { faults?: boolean } = {}): Promise<ServerHandle> {
  const jetstream = opts.jetstream ?? true;
  const binary = await findBinary('nats-server');
  if (binary) {
    const port = await freePort();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'skiff-nats-'));
    const args = ['-a', '127.0.0.1', '-p', String(port), ...(jetstream ? ['-js', '-sd', dir] : [])];
    return ChildServer.start({
      kind: 'nats',
      binary,
      args,
      port,
      dir,
      url: `nats://127.0.0.1:${port}`,
      ready: () => natsAnswers(port, jetstream),
    });
  }
  if (opts.faults) throw new ServiceUnavailableError('fault tests need the nats-server binary (not on PATH)');
  const runtime = await containerRuntime();
  if (runtime) return containerNats(jetstream);
  throw new ServiceUnavailableError('no NATS: no nats-server binary on PATH and no container runtime');
}

/** Starts a private Redis server (binary first, else a container); throws `ServiceUnavailableError`. */
export async function startRedis(opts: RedisOptions & { faults?: boolean } = {}): Promise<ServerHandle> {
  const binary = await findBinary('redis-server');
  if (binary) {
    const port = await freePort();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'skiff-redis-'));
    const args = [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      opts.appendonly ? 'yes' : 'no',
      '--appendfsync',
      opts.appendfsync ?? 'everysec',
      '--daemonize',
      'no',
    ];
    return ChildServer.start({
      kind: 'redis',
      binary,
      args,
      port,
      dir,
      url: `redis://127.0.0.1:${port}`,
      ready: () => redisAnswers(port),
    });
  }
  if (opts.faults)
    throw new ServiceUnavailableError('fault tests need the redis-server binary (not on PATH)');
  const runtime = await containerRuntime();
  if (runtime) return containerRedis(opts);
  throw new ServiceUnavailableError('no Redis: no redis-server binary on PATH and no container runtime');
}

/** Servers for tests that only need *a* server: env URLs, else the default ports, else private ones. */
export interface SharedServices {
  readonly nats: ServerHandle | undefined;
  readonly redis: ServerHandle | undefined;
  /** Stops the private servers this call started (never the env or default ones). */
  dispose(): Promise<void>;
}

/** Resolves the shared servers a test file asked for (NATS with JetStream). */
export async function sharedServices(
  needs: { nats?: boolean; redis?: boolean } = { nats: true, redis: true },
): Promise<SharedServices> {
  const nats = needs.nats ? await sharedNats() : undefined;
  const redis = needs.redis ? await sharedRedis() : undefined;
  return {
    nats,
    redis,
    dispose: async () => {
      await Promise.all([nats?.dispose(), redis?.dispose()]);
    },
  };
}

/**
 * Why a test file cannot run here, or undefined when it can. Cheap: probes ports and looks for
 * binaries and a container runtime, but starts nothing.
 */
export async function servicesOrSkip(needs: { nats?: Need; redis?: Need }): Promise<string | undefined> {
  const missing: string[] = [];
  if (needs.nats) {
    const why = await unavailable(needs.nats, 'NATS_URL', 'nats-server', () => natsAnswers(4222, true));
    if (why) missing.push(`NATS (${why})`);
  }
  if (needs.redis) {
    const why = await unavailable(needs.redis, 'REDIS_URL', 'redis-server', () => redisAnswers(6379));
    if (why) missing.push(`Redis (${why})`);
  }
  return missing.length === 0 ? undefined : `missing ${missing.join(' and ')}`;
}

/** What a suite does about what it lacks: run, skip (a laptop without servers), or fail (CI). */
export type SuiteVerdict =
  | { readonly type: 'run' }
  | { readonly type: 'skip'; readonly reason: string }
  | { readonly type: 'fail'; readonly message: string };

/** True when the environment says this is a CI run (`CI=true`, or `1` as some CI systems set it). */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/**
 * Decides whether a suite runs, skips or fails: a suite that lacks something skips, except under
 * CI, where a skip would let a run go green without testing anything, so it fails naming what is
 * missing.
 */
export function suiteVerdict(
  name: string,
  skipReason: string | undefined,
  env: NodeJS.ProcessEnv,
): SuiteVerdict {
  if (skipReason === undefined) return { type: 'run' };
  if (isCi(env)) return { type: 'fail', message: `CI=true and "${name}" cannot run: ${skipReason}` };
  return { type: 'skip', reason: skipReason };
}

/**
 * `describe` that runs `fn` when nothing is missing; otherwise skips (printing the reason once),
 * or under `CI=true` fails with one test whose error is the one line naming what is missing.
 */
export function describeWithServices(name: string, skipReason: string | undefined, fn: () => void): void {
  const verdict = suiteVerdict(name, skipReason, process.env);
  if (verdict.type === 'run') {
    describe(name, fn);
  } else if (verdict.type === 'skip') {
    process.stderr.write(`skipping "${name}": ${verdict.reason}\n`);
    describe.skip(`${name} [skipped: ${verdict.reason}]`, fn);
  } else {
    process.stderr.write(`${verdict.message}\n`);
    describe(name, () => {
      it('has the servers and tools it needs', () => {
        throw new ServiceUnavailableError(verdict.message);
      });
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Resolution

async function unavailable(
  need: Need,
  envVar: string,
  binary: string,
  defaultAnswers: () => Promise<boolean>,
): Promise<string | undefined> {
  const hasBinary = (await findBinary(binary)) !== undefined;
  if (need === 'faults') return hasBinary ? undefined : `no ${binary} binary to start, crash and restart`;
  const fromEnv = process.env[envVar];
  if (need === 'shared' && fromEnv) {
    // A URL given on purpose is the one to use, never silently replaced by another server.
    return (await urlAnswers(fromEnv, binary)) ? undefined : `${envVar}=${fromEnv} does not answer`;
  }
  if (need === 'shared' && (await defaultAnswers())) return undefined;
  if (hasBinary || (await containerRuntime())) return undefined;
  const reasons = [`no ${binary} binary`, 'no container runtime'];
  if (need === 'shared') reasons.unshift(`${envVar} unset`, 'nothing answering on the default port');
  return reasons.join(', ');
}

async function sharedNats(): Promise<ServerHandle> {
  const env = process.env.NATS_URL;
  if (env) return external(env, 'env');
  if (await natsAnswers(4222, true)) return external('nats://127.0.0.1:4222', 'default');
  return startNats();
}

async function sharedRedis(): Promise<ServerHandle> {
  const env = process.env.REDIS_URL;
  if (env) return external(env, 'env');
  if (await redisAnswers(6379)) return external('redis://127.0.0.1:6379', 'default');
  return startRedis();
}

/** A server this harness did not start: it may be used, never stopped. */
function external(url: string, source: 'env' | 'default'): ServerHandle {
  const notOurs = async () => {
    throw new Error(`${url} was not started by the harness; use startNats/startRedis for fault tests`);
  };
  return {
    url,
    port: Number(new URL(url.includes('://') ? url : `nats://${url}`).port),
    source,
    pid: undefined,
    stop: notOurs,
    kill: notOurs,
    restart: notOurs,
    dispose: async () => undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes

interface ChildSpec {
  readonly kind: 'nats' | 'redis';
  readonly binary: string;
  readonly args: readonly string[];
  readonly port: number;
  readonly dir: string;
  readonly url: string;
  readonly ready: () => Promise<boolean>;
}

/** Pids of children still running, SIGKILLed by pid if the test process exits without disposing. */
const liveChildren = new Set<number>();
process.once('exit', () => {
  for (const pid of liveChildren) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      // Exiting: nothing left to report to; the child most likely exited on its own already.
      void err;
    }
  }
});

class ChildServer implements ServerHandle {
  readonly source = 'process' as const;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly output: string[] = [];

  private constructor(private readonly spec: ChildSpec) {}

  static async start(spec: ChildSpec): Promise<ChildServer> {
    const server = new ChildServer(spec);
    try {
      await server.launch();
    } catch (err) {
      await server.dispose();
      throw err;
    }
    return server;
  }

  get url(): string {
    return this.spec.url;
  }

  get port(): number {
    return this.spec.port;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.spec.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const child = spawn(this.spec.binary, this.spec.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const pid = child.pid;
    if (pid !== undefined) liveChildren.add(pid);
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString().split('\n').filter(Boolean));
      this.output.splice(0, Math.max(0, this.output.length - 40));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let gone = false;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        gone = true;
        if (pid !== undefined) liveChildren.delete(pid);
        resolve();
      });
      child.once('error', (err) => {
        this.output.push(`spawn error: ${err.message}`);
        gone = true;
        resolve();
      });
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await this.spec.ready())) {
      if (gone) throw new Error(`${this.spec.kind} exited before it answered:\n${this.output.join('\n')}`);
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(
          `${this.spec.kind} did not answer within ${READY_TIMEOUT_MS} ms:\n${this.output.join('\n')}`,
        );
      }
      await pollInterval();
    }
  }

  /** Ends the child by its pid and waits for it to exit (SIGKILL if SIGTERM is ignored for 10 s). */
  private async signal(sig: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid, sig);
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGKILL');
      }
    }, 10_000);
    await this.exited;
    clearTimeout(timer);
    this.child = undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Containers (testcontainers, imported only when needed)

async function containerNats(jetstream: boolean): Promise<ServerHandle> {
  const { NatsContainer } = await import('@testcontainers/nats');
  const base = new NatsContainer(NATS_IMAGE);
  const container = await (jetstream ? base.withJetStream() : base).start();
  const options = container.getConnectionOptions();
  const server = Array.isArray(options.servers) ? options.servers[0] : options.servers;
  const port = Number(String(server).split(':').pop());
  return containerHandle(`nats://127.0.0.1:${port}`, port, () => container.stop(), {
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.pass === undefined ? {} : { pass: options.pass }),
  });
}

async function containerRedis(opts: RedisOptions): Promise<ServerHandle> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer(REDIS_IMAGE)
    .withCommand([
      'redis-server',
      '--save',
      '',
      '--appendonly',
      opts.appendonly ? 'yes' : 'no',
      '--appendfsync',
      opts.appendfsync ?? 'everysec',
    ])
    .start();
  const port = container.getPort();
  return containerHandle(`redis://127.0.0.1:${port}`, port, () => container.stop(), {});
}

function containerHandle(
  url: string,
  port: number,
  stopContainer: () => Promise<unknown>,
  credentials: { user?: string; pass?: string },
): ServerHandle {
  const unsupported = async () => {
    throw new Error('kill/restart need a local binary: a restarted container may come back on another port');
  };
  return {
    url,
    port,
    source: 'container',
    pid: undefined,
    ...credentials,
    stop: async () => {
      await stopContainer();
    },
    kill: unsupported,
    restart: unsupported,
    dispose: async () => {
      await stopContainer();
    },
  };
}

let runtimeAnswer: Promise<boolean> | undefined;

/** True when a Docker-compatible runtime answers (checked once per test process). */
function containerRuntime(): Promise<boolean> {
  runtimeAnswer ??= probeRuntime();
  return runtimeAnswer;
}

async function probeRuntime(): Promise<boolean> {
  const sockets = [
    '/var/run/docker.sock',
    '/run/podman/podman.sock',
    path.join(process.env.XDG_RUNTIME_DIR ?? '/nonexistent', 'podman/podman.sock'),
    path.join(os.homedir(), '.docker/run/docker.sock'),
  ];
  if (!process.env.DOCKER_HOST && !sockets.some((s) => existsSync(s))) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await withTimeout(getContainerRuntimeClient(), 10_000);
    return client !== undefined;
  } catch (err) {
    process.stderr.write(
      `container runtime present but not usable: ${err instanceof Error ? err.message : err}\n`,
    );
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Probes and helpers

/** True when a NATS server answers on 127.0.0.1:port with an INFO line (and JetStream when asked). */
export async function natsAnswers(port: number, jetstream: boolean): Promise<boolean> {
  const line = await firstLine(port, undefined);
  if (!line?.startsWith('INFO ')) return false;
  try {
    const info: unknown = JSON.parse(line.slice(5));
    return (
      !jetstream || (typeof info === 'object' && info !== null && Reflect.get(info, 'jetstream') === true)
    );
  } catch (err) {
    process.stderr.write(`unexpected INFO line on port ${port}: ${String(err)}\n`);
    return false;
  }
}

/**
 * True when the first server of `url` answers in its protocol: NATS with an INFO line, Redis with
 * any reply to PING (`-NOAUTH` included: a password is the client's business). A URL this cannot
 * parse is trusted: the client will say what is wrong with it.
 */
async function urlAnswers(url: string, binary: string): Promise<boolean> {
  const redis = binary === 'redis-server';
  const first = url.split(',')[0]?.trim() ?? '';
  let parsed: URL;
  try {
    parsed = new URL(first.includes('://') ? first : `${redis ? 'redis' : 'nats'}://${first}`);
  } catch {
    return true;
  }
  const port = Number(parsed.port || (redis ? 6379 : 4222));
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const line = await firstLine(port, redis ? 'PING\r\n' : undefined, host);
  return redis ? line !== undefined && /^[+-]/.test(line) : line?.startsWith('INFO ') === true;
}

/** True when Redis answers PING with PONG on 127.0.0.1:port (not while it is still loading its AOF). */
export async function redisAnswers(port: number): Promise<boolean> {
  return (await firstLine(port, 'PING\r\n')) === '+PONG';
}

/** Connects to host:port (default 127.0.0.1), optionally writes `send`, and returns the first line read (or undefined). */
function firstLine(port: number, send: string | undefined, host = '127.0.0.1'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let buffer = '';
    const done = (line: string | undefined) => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(2_000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => {
      if (send) socket.write(send);
    });
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      const end = buffer.indexOf('\r\n');
      if (end !== -1) done(buffer.slice(0, end));
    });
    socket.once('end', () => done(undefined));
  });
}

/** The socket `scripts/setup-podman.sh` starts Podman's REST service on (`PODMAN_SOCKET` overrides it). */
export const PODMAN_SOCKET = process.env.PODMAN_SOCKET ?? '/run/podman/podman.sock';

/**
 * Why Podman tests cannot run here, or undefined when they can: the REST service answers `_ping` on
 * the socket and the local busybox image exists (both made by `scripts/setup-podman.sh`).
 */
export async function podmanOrSkip(socketPath = PODMAN_SOCKET): Promise<string | undefined> {
  const setup = 'run scripts/setup-podman.sh as root';
  if (!existsSync(socketPath)) return `no Podman service socket at ${socketPath} (${setup})`;
  const ping = await unixGet(socketPath, '/v4.0.0/libpod/_ping');
  if (ping !== 200) return `the Podman service at ${socketPath} does not answer (${setup})`;
  const image = await unixGet(
    socketPath,
    '/v4.0.0/libpod/images/docker.io%2Flibrary%2Fbusybox:latest/exists',
  );
  if (image !== 204) return `no local busybox image in Podman (${setup})`;
  return undefined;
}

/** The status of a GET over a unix socket, or undefined when nothing answers within 2 s. */
function unixGet(socketPath: string, urlPath: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: urlPath, timeout: 2_000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
  });
}

/** A free TCP port on 127.0.0.1 (asked of the kernel by listening on port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const binaryCache = new Map<string, Promise<string | undefined>>();

/** The path of an executable on PATH (or in the sbin directories Debian installs servers to). */
function findBinary(name: string): Promise<string | undefined> {
  let found = binaryCache.get(name);
  if (!found) {
    found = (async () => {
      const dirs = [
        ...(process.env.PATH ?? '').split(path.delimiter),
        '/usr/sbin',
        '/usr/local/sbin',
        '/usr/local/bin',
      ];
      for (const dir of dirs.filter(Boolean)) {
        const candidate = path.join(dir, name);
        const ok = await access(candidate, constants.X_OK).then(
          () => true,
          () => false,
        );
        if (ok) return candidate;
      }
      return undefined;
    })();
    binaryCache.set(name, found);
  }
  return found;
}

function pollInterval(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 25));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
