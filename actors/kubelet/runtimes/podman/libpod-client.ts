/**
 * A typed client for Podman's libpod REST API over its unix socket (undici), written here because
 * no maintained npm package exists (shared/reference/ecosystem.md §3). It covers what the podman
 * runtime needs: pods, containers, logs, exec, images and the event stream; nothing more.
 *
 *   LibpodClient ──undici Agent{socketPath}──▶ /run/podman/podman.sock
 *     call()     one request, JSON response validated with a zod schema, errors mapped
 *     stream()   a long response (logs, events): headers under a timeout, then no body timeout
 *
 * Every call has a timeout (the client's default, or the one the call gives). Errors are the
 * runtime errors of `protocol/errors.ts` (see `errorFromResponse`); a timeout or a dead socket is a
 * `RuntimeError` whose cause is undici's error.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, type Dispatcher, request } from 'undici';
import type { z } from 'zod';
import { ExecTimeoutError, ImagePullError, RuntimeError } from '../../../../protocol/errors.js';
import {
  encodeFilters,
  errorFromResponse,
  LIBPOD_API_VERSION,
  libpodPath,
  parseErrorBody,
  type QueryValue,
  type RequestTarget,
  segment,
} from './libpod-request.js';
import {
  type ContainerCreateSpec,
  ContainerInspect,
  ContainerListItem,
  type ExecCreateSpec,
  ExecInspect,
  IdResponse,
  InfoResponse,
  LibpodEvent,
  type LibpodFilters,
  type LibpodInfo,
  type PodCreateSpec,
  PodInspect,
  PodListItem,
  PodReport,
  PullProgress,
  VersionResponse,
} from './libpod-types.js';
import { demultiplex, LineSplitter, MultiplexedLineReader, type OutputStream } from './stream-frames.js';

export type { PodCreateSpec };

/** The rootful socket `podman system service` listens on (scripts/setup-podman.sh). */
export const DEFAULT_PODMAN_SOCKET = '/run/podman/podman.sock';

export interface LibpodClientOptions {
  /** Default `/run/podman/podman.sock`. */
  readonly socketPath?: string;
  /** Default `4.0.0`. */
  readonly apiVersion?: string;
  /** Timeout of each call that does not give its own (default 30 s). */
  readonly timeoutMs?: number;
}

/** A long response being read (logs, events); `done` resolves when it ends or is closed, and rejects on an error. */
export interface ResponseStream {
  close(): Promise<void>;
  readonly done: Promise<void>;
}

export interface LogsOptions {
  readonly follow?: boolean;
  /** Last N lines only. */
  readonly tail?: number;
  /** Only lines at or after this time (ms since the epoch). */
  readonly sinceMs?: number;
}

export interface ExecOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Conditions of `POST /containers/{id}/wait`. */
export type WaitCondition = 'configured' | 'created' | 'exited' | 'paused' | 'running' | 'stopped';

interface CallOptions {
  readonly method?: 'GET' | 'POST' | 'DELETE';
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly body?: unknown;
  readonly target?: RequestTarget;
  readonly timeoutMs?: number;
  /** Statuses that are success for this call besides 2xx (304 "already started"). */
  readonly alsoOk?: readonly number[];
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** How often exec inspect is asked for the exit code after the output ended (it lags by a moment). */
const EXEC_EXIT_POLL_MS = 10;

/** Talks to one Podman service. `close()` releases its connections and ends open streams. */
export class LibpodClient {
  private readonly agent: Agent;
  private readonly apiVersion: string;
  private readonly timeoutMs: number;
  private readonly streams = new Set<ResponseStream>();

  constructor(options: LibpodClientOptions = {}) {
    this.agent = new Agent({ connect: { socketPath: options.socketPath ?? DEFAULT_PODMAN_SOCKET } });
    this.apiVersion = options.apiVersion ?? LIBPOD_API_VERSION;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  // -------------------------------------------------------------------------------------------
  // System

  /** `GET /_ping`: resolves when the service answers. */
  async ping(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.text('GET', '/_ping', { timeoutMs: options.timeoutMs });
  }

  /** `GET /version`: Podman's version (`4.3.1`) and API version. */
  async version(): Promise<{ version: string; apiVersion: string }> {
    const v = await this.call(VersionResponse, '/version');
    const engine = v.Components.find((c) => c.Name === 'Podman Engine');
    return {
      version: engine?.Version ?? v.Version ?? 'unknown',
      apiVersion: engine?.Details?.APIVersion ?? v.ApiVersion ?? 'unknown',
    };
  }

  /** `GET /info`: host facts (cpus, memory, cgroup manager, OCI runtime). */
  info(): Promise<LibpodInfo> {
    return this.call(InfoResponse, '/info');
  }

  // -------------------------------------------------------------------------------------------
  // Pods

  /** `POST /pods/create`; returns the pod's id (409 when the name is taken). */
  async createPod(spec: PodCreateSpec): Promise<string> {
    const res = await this.call(IdResponse, '/pods/create', { method: 'POST', body: spec });
    return res.Id;
  }

  /** `POST /pods/{id}/start`: starts its infra container and every container in it. */
  async startPod(id: string): Promise<void> {
    await this.podAction(id, 'start', {});
  }

  /** `POST /pods/{id}/stop?t=`: stop signal, then SIGKILL after `timeoutSeconds`. */
  async stopPod(id: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    const t = options.timeoutSeconds;
    await this.podAction(id, 'stop', { t }, t === undefined ? undefined : t * 1000 + this.timeoutMs);
  }

  /** `POST /pods/{id}/kill?signal=` (default SIGKILL). */
  async killPod(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.podAction(id, 'kill', { signal });
  }

  /** `DELETE /pods/{id}?force=`: force also stops and removes its containers. */
  async removePod(id: string, options: { force?: boolean } = {}): Promise<void> {
    await this.call(PodReport, `/pods/${segment(id)}`, {
      method: 'DELETE',
      query: { force: options.force ?? false },
      target: { kind: 'sandbox', id },
    });
  }

  /** `GET /pods/{id}/json`. */
  inspectPod(id: string): Promise<PodInspect> {
    return this.call(PodInspect, `/pods/${segment(id)}/json`, { target: { kind: 'sandbox', id } });
  }

  /** `GET /pods/json?filters=`. */
  async listPods(filters: LibpodFilters = {}): Promise<PodListItem[]> {
    const list = await this.call(PodListItem.array().nullable(), '/pods/json', {
      query: { filters: encodeFilters(filters) },
    });
    return list ?? [];
  }

  // -------------------------------------------------------------------------------------------
  // Containers

  /** `POST /containers/create`; returns the id. A missing image is an `ImagePullError` (no pull here). */
  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    const res = await this.call(IdResponse, '/containers/create', {
      method: 'POST',
      body: spec,
      target: { kind: 'sandbox', id: spec.pod ?? spec.name, image: spec.image },
    });
    return res.Id;
  }

  /** `POST /containers/{id}/start` (already running: fine). */
  async startContainer(id: string): Promise<void> {
    await this.text('POST', `/containers/${segment(id)}/start`, {
      target: { kind: 'container', id },
      alsoOk: [304],
    });
  }

  /** `POST /containers/{id}/stop?timeout=`: stop signal, SIGKILL after `timeoutSeconds`; resolves once stopped. */
  async stopContainer(id: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    const t = options.timeoutSeconds;
    await this.text('POST', `/containers/${segment(id)}/stop`, {
      query: { timeout: t },
      target: { kind: 'container', id },
      alsoOk: [304],
      timeoutMs: (t ?? 10) * 1000 + this.timeoutMs,
    });
  }

  /** `POST /containers/{id}/kill?signal=` (default SIGKILL); a container that is not running gives 409. */
  async killContainer(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.text('POST', `/containers/${segment(id)}/kill`, {
      query: { signal },
      target: { kind: 'container', id },
    });
  }

  /** `POST /containers/{id}/wait?condition=`: resolves with the exit code once a condition holds. */
  async waitContainer(
    id: string,
    options: { conditions?: readonly WaitCondition[]; timeoutMs?: number } = {},
  ): Promise<number> {
    const text = await this.text('POST', `/containers/${segment(id)}/wait`, {
      query: { condition: options.conditions ?? ['stopped', 'exited'] },
      target: { kind: 'container', id },
      timeoutMs: options.timeoutMs,
    });
    const code = Number.parseInt(text.trim(), 10);
    if (Number.isNaN(code))
      throw new RuntimeError(`podman: wait ${id}: unexpected answer ${JSON.stringify(text)}`);
    return code;
  }

  /** `DELETE /containers/{id}?force=&v=`: force stops it first; `volumes` removes its anonymous volumes. */
  async removeContainer(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.text('DELETE', `/containers/${segment(id)}`, {
      query: { force: options.force ?? false, v: options.volumes ?? false },
      target: { kind: 'container', id },
    });
  }

  /** `GET /containers/{id}/json`. */
  inspectContainer(id: string): Promise<ContainerInspect> {
    return this.call(ContainerInspect, `/containers/${segment(id)}/json`, {
      target: { kind: 'container', id },
    });
  }

  /** `GET /containers/json?all=&filters=` (all: stopped ones too, the default here). */
  async listContainers(
    filters: LibpodFilters = {},
    options: { all?: boolean } = {},
  ): Promise<ContainerListItem[]> {
    const list = await this.call(ContainerListItem.array().nullable(), '/containers/json', {
      query: { all: options.all ?? true, filters: encodeFilters(filters) },
    });
    return list ?? [];
  }

  /**
   * `GET /containers/{id}/logs`: the multiplexed stream (no TTY), decoded into lines for `onLine`.
   * Not following, `done` resolves at the end of the log; following, when the container stops or
   * `close()` is called.
   */
  async logs(
    id: string,
    options: LogsOptions,
    onLine: (line: string, stream: OutputStream) => void,
  ): Promise<ResponseStream> {
    const query = {
      follow: options.follow ?? false,
      stdout: true,
      stderr: true,
      tail: options.tail,
      since: options.sinceMs === undefined ? undefined : new Date(options.sinceMs).toISOString(),
    };
    const reader = new MultiplexedLineReader();
    return this.stream(
      `/containers/${segment(id)}/logs`,
      query,
      { kind: 'container', id },
      {
        onChunk: (chunk) => {
          for (const { stream, line } of reader.push(chunk)) onLine(line, stream);
        },
        onEnd: () => {
          for (const { stream, line } of reader.flush()) onLine(line, stream);
        },
      },
    );
  }

  /**
   * Runs a command in a running container: `POST /containers/{id}/exec`, then `POST /exec/{id}/start`
   * attached (the hijacked connection carries multiplexed output until the command ends), then
   * `GET /exec/{id}/json` for the exit code. Throws `ExecTimeoutError` after `timeoutMs`.
   */
  async exec(
    id: string,
    command: readonly string[],
    options: { timeoutMs?: number } = {},
  ): Promise<ExecOutput> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    const spec: ExecCreateSpec = { Cmd: command, AttachStdout: true, AttachStderr: true, Tty: false };
    try {
      const created = await this.call(IdResponse, `/containers/${segment(id)}/exec`, {
        method: 'POST',
        body: spec,
        target: { kind: 'container', id },
        timeoutMs,
      });
      const execPath = `/exec/${segment(created.Id)}`;
      const body = await this.raw('POST', `${execPath}/start`, {
        body: { Detach: false, Tty: false },
        target: { kind: 'container', id },
        timeoutMs: Math.max(1, deadline - Date.now()),
      });
      const output = demultiplex(body);
      // The output ends when the process closes it; its exit code is recorded a moment later.
      for (;;) {
        const state = await this.call(ExecInspect, `${execPath}/json`, {
          timeoutMs: Math.max(1, deadline - Date.now()),
        });
        if (!state.Running) return { exitCode: state.ExitCode, ...output };
        if (Date.now() >= deadline) throw new ExecTimeoutError(command, timeoutMs);
        await delay(EXEC_EXIT_POLL_MS);
      }
    } catch (err) {
      if (Date.now() >= deadline && !(err instanceof ExecTimeoutError)) {
        throw new ExecTimeoutError(command, timeoutMs);
      }
      throw err;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Images

  /** `GET /images/{name}/exists`: 204 yes, 404 no. */
  async imageExists(name: string): Promise<boolean> {
    const res = await this.send(
      'GET',
      libpodPath(`/images/${segment(name)}/exists`, {}, this.apiVersion),
      {},
    );
    const text = await res.body.text();
    if (res.statusCode === 204) return true;
    if (res.statusCode === 404) return false;
    throw errorFromResponse(`image exists ${name}`, res.statusCode, parseErrorBody(text));
  }

  /**
   * `POST /images/pull?reference=&policy=missing`: reads the progress lines; an `error` line (libpod
   * answers 200 and reports the failure in the stream) or any failure is an `ImagePullError`.
   */
  async pullImage(reference: string, options: { timeoutMs?: number } = {}): Promise<void> {
    let text: string;
    try {
      text = await this.text('POST', '/images/pull', {
        query: { reference, policy: 'missing', quiet: true },
        timeoutMs: options.timeoutMs,
      });
    } catch (err) {
      throw new ImagePullError(reference, err instanceof Error ? err.message : String(err), { cause: err });
    }
    const splitter = new LineSplitter();
    const lines = [...splitter.push(Buffer.from(text)), splitter.flush() ?? ''];
    for (const line of lines) {
      if (line.trim() === '') continue;
      const progress = PullProgress.safeParse(safeJson(line));
      if (progress.success && progress.data.error) throw new ImagePullError(reference, progress.data.error);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Events

  /**
   * `GET /events?stream=true&filters=&since=`: each JSON line, validated, to `onEvent`. Resolves once
   * the stream is open; `done` settles when it ends (the service stopped: resolves) or fails (rejects).
   * Values of one filter key are ORed by libpod, different keys ANDed.
   */
  async events(
    options: { filters?: LibpodFilters; since?: string },
    onEvent: (event: LibpodEvent) => void,
    onInvalid?: (line: string) => void,
  ): Promise<ResponseStream> {
    const splitter = new LineSplitter();
    const deliver = (line: string) => {
      if (line.trim() === '') return;
      const parsed = LibpodEvent.safeParse(safeJson(line));
      if (parsed.success) onEvent(parsed.data);
      else onInvalid?.(line);
    };
    const query = { stream: true, filters: encodeFilters(options.filters ?? {}), since: options.since };
    return this.stream(
      '/events',
      query,
      {},
      {
        onChunk: (chunk) => {
          for (const line of splitter.push(chunk)) deliver(line);
        },
        onEnd: () => {
          const last = splitter.flush();
          if (last !== undefined) deliver(last);
        },
      },
    );
  }

  /** Ends open streams and closes the connections. */
  async close(): Promise<void> {
    if (this.agent.closed || this.agent.destroyed) return; // closing twice is fine
    await Promise.all([...this.streams].map((s) => s.close()));
    await this.agent.close();
  }

  // -------------------------------------------------------------------------------------------
  // Transport

  private async podAction(id: string, action: string, query: Record<string, QueryValue>, timeoutMs?: number) {
    // 304: already in that state. 409 with `Errs`: some containers failed; the message lists them.
    await this.call(PodReport.nullable(), `/pods/${segment(id)}/${action}`, {
      method: 'POST',
      query,
      target: { kind: 'sandbox', id },
      alsoOk: [304],
      timeoutMs,
    });
  }

  /** One request whose JSON answer is validated with `schema`. */
  private async call<S extends z.ZodType>(
    schema: S,
    path: string,
    options: CallOptions = {},
  ): Promise<z.output<S>> {
    const method = options.method ?? 'GET';
    const text = await this.text(method, path, options);
    const parsed = schema.safeParse(text === '' ? null : safeJson(text));
    if (!parsed.success) {
      throw new RuntimeError(`podman: ${method} ${path}: unexpected answer: ${parsed.error.message}`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  /** One request; its body as text (errors mapped). */
  private async text(method: string, path: string, options: CallOptions = {}): Promise<string> {
    return (await this.raw(method, path, options)).toString('utf8');
  }

  /** One request; its body as bytes once it ends (errors mapped). */
  private async raw(method: string, path: string, options: CallOptions = {}): Promise<Buffer> {
    const full = libpodPath(path, options.query, this.apiVersion);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const signal = AbortSignal.timeout(timeoutMs); // covers connecting, headers and the whole body
    let res: Dispatcher.ResponseData;
    let body: Buffer;
    try {
      res = await this.send(method, full, { body: options.body, signal });
      body = Buffer.from(await res.body.arrayBuffer());
    } catch (err) {
      throw transportError(`${method} ${path}`, timeoutMs, err);
    }
    const ok = (res.statusCode >= 200 && res.statusCode < 300) || options.alsoOk?.includes(res.statusCode);
    if (!ok) {
      throw errorFromResponse(
        `${method} ${path}`,
        res.statusCode,
        parseErrorBody(body.toString('utf8')),
        options.target,
      );
    }
    return body;
  }

  private send(
    method: string,
    path: string,
    options: { body?: unknown; signal?: AbortSignal; bodyTimeout?: number },
  ): Promise<Dispatcher.ResponseData> {
    const hasBody = options.body !== undefined;
    return request(`http://podman${path}`, {
      dispatcher: this.agent,
      method: method as Dispatcher.HttpMethod,
      headers: hasBody ? { 'content-type': 'application/json' } : {},
      body: hasBody ? JSON.stringify(options.body) : undefined,
      signal: options.signal,
      ...(options.bodyTimeout === undefined ? {} : { bodyTimeout: options.bodyTimeout }),
    });
  }

  /**
   * A long response: the headers must come within the timeout, the body may take forever (no body
   * timeout: an events stream is idle for as long as nothing happens).
   */
  private async stream(
    path: string,
    query: Record<string, QueryValue>,
    target: RequestTarget,
    handlers: { onChunk: (chunk: Buffer) => void; onEnd: () => void },
  ): Promise<ResponseStream> {
    const full = libpodPath(path, query, this.apiVersion);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error('no response headers')), this.timeoutMs);
    let res: Dispatcher.ResponseData;
    try {
      res = await this.send('GET', full, { signal: abort.signal, bodyTimeout: 0 });
    } catch (err) {
      throw transportError(`GET ${path}`, this.timeoutMs, err);
    } finally {
      clearTimeout(timer);
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const text = await res.body.text();
      throw errorFromResponse(`GET ${path}`, res.statusCode, parseErrorBody(text), target);
    }
    let closing = false;
    const body = res.body;
    const done = (async () => {
      try {
        for await (const chunk of body) handlers.onChunk(chunk as Buffer);
        handlers.onEnd();
      } catch (err) {
        if (!closing) throw new RuntimeError(`podman: GET ${path}: stream failed`, { cause: err });
      }
    })();
    const handle: ResponseStream = {
      done,
      close: async () => {
        closing = true;
        abort.abort();
        body.destroy();
        await done.catch(() => undefined);
      },
    };
    this.streams.add(handle);
    void done.then(
      () => this.streams.delete(handle),
      () => this.streams.delete(handle),
    );
    return handle;
  }
}

/** A request that never got an HTTP answer: a timeout, or a socket that refused or broke. */
function transportError(what: string, timeoutMs: number, err: unknown): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new RuntimeError(`podman: ${what}: no answer within ${timeoutMs} ms`, { cause: err });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new RuntimeError(`podman: ${what}: ${detail}`, { cause: err });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // the schema then rejects it, with the text in the error
  }
}
