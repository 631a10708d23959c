/**
 * The kubelet: one node's manager, an `ActorSystem` like the API server and the scheduler (every
 * piece supervised, restarted forever with capped backoff, restarts counted).
 *
 *   node ────────── registers the Node, heartbeats on skiff.node.<node>.heartbeat, writes status
 *                   when it changed or at the slow refresh
 *   pods ────────── informer on this node's pods only (spec.nodeName, served from the per-node
 *                   event subjects) + runtime events ──▶ "sync" to the pod's worker
 *   pod-<uid> ───── one worker per pod (pod-worker.ts): plan, act, report status
 *   pod-network ─── publishes this node's pods and their network namespace holders on
 *                   skiff.node.<node>.pods for the node's proxy (pod-network.ts; with a bus only)
 *
 * After its first list the pods actor removes what the runtime holds for pods this node no longer
 * has (orphans); containers of pods it still has are adopted as they are, never restarted.
 */
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import type { Bus, Subscription } from '../../protocol/bus.js';
import type { ApiClient } from '../../protocol/client/api-client.js';
import { Informer } from '../../protocol/client/informer.js';
import type { Clock, Timer } from '../../protocol/clock.js';
import { badRequest, internal, isReason } from '../../protocol/errors.js';
import {
  type PodExecReply,
  PodExecRequestSchema,
  type PodLogReply,
  type PodLogRequest,
  PodLogRequestSchema,
} from '../../protocol/kubelet.js';
import type { Node } from '../../protocol/resources/node.js';
import type { Pod } from '../../protocol/resources/pod.js';
import type { Service } from '../../protocol/resources/service.js';
import type { Subjects } from '../../protocol/subjects.js';
import type { ActorLogic, ActorRef } from '../kernel/actor.js';
import type { Logger } from '../kernel/log.js';
import { restartForever } from '../kernel/supervision.js';
import { ActorSystem } from '../kernel/system.js';
import type { ConfigSources } from './config.js';
import { runPodExec } from './exec.js';
import { type LogFollower, startLogFollow } from './log-follow.js';
import { logFailure, readPodLog } from './logs.js';
import { hostFacts, type NodeFacts, newNode, nodeLabels, nodeStatus, nodeStatusChanged } from './node.js';
import type { CrashLoopPolicy } from './plan.js';
import { podNetworkActor } from './pod-network.js';
import { type PodWorkerMsg, podWorker } from './pod-worker.js';
import type { ContainerRuntime, EventSubscription } from './runtimes/runtime.js';

export interface KubeletOptions {
  readonly nodeName: string;
  readonly client: ApiClient;
  /** Heartbeats go out on the bus; a kubelet that reaches the API over HTTP only sends none. */
  readonly bus?: Bus;
  readonly subjects: Subjects;
  readonly runtime: ContainerRuntime;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: Registry;
  /** Node facts to report instead of the host's (hollow nodes: capacity from flags). */
  readonly facts?: Partial<Omit<NodeFacts, 'name' | 'runtimeVersion' | 'kubeletVersion'>>;
  readonly kubeletVersion?: string;
  /** How often a heartbeat goes out on the node's subject (default 10 s). */
  readonly heartbeatMs?: number;
  /** How often the Node status is written although nothing changed (default 60 s). */
  readonly statusRefreshMs?: number;
  readonly crashLoop?: CrashLoopPolicy;
  /** Log files of runtimes that keep them in files. */
  readonly logDirectory?: string;
  /** Where pods' ConfigMap, Secret and emptyDir volumes are written (default: a temp dir per node). */
  readonly volumeDirectory?: string;
}

type NodeMsg = { readonly type: 'tick' };
type PodsMsg =
  | { readonly type: 'changed'; readonly pod: Pod }
  | { readonly type: 'listed'; readonly instance: number }
  | { readonly type: 'runtime-event'; readonly podUid: string }
  | { readonly type: 'done'; readonly podUid: string };

/** One node's kubelet. */
export class Kubelet {
  private readonly system: ActorSystem;
  private readonly metrics: { readonly restarts: Counter<'actor'>; readonly pods: Gauge };
  private facts: NodeFacts | undefined;

  constructor(private readonly options: KubeletOptions) {
    this.metrics = {
      restarts: new Counter({
        name: 'skiff_kubelet_actor_restarts_total',
        help: 'Restarts of the kubelet actors (node, pods, pod workers), by actor',
        labelNames: ['actor'],
        registers: [options.registry],
      }),
      pods: new Gauge({
        name: 'skiff_kubelet_pods',
        help: 'Pods this kubelet runs (has a worker for)',
        registers: [options.registry],
      }),
    };
    this.system = new ActorSystem({
      clock: options.clock,
      log: options.log.child({ node: options.nodeName }),
      policy: { ...restartForever, backoff: { maxMs: 10_000 } },
      restarts: this.metrics.restarts,
    });
  }

  /** Introduces the node and starts running its pods. */
  async start(): Promise<void> {
    const { options } = this;
    this.facts = hostFacts(
      options.nodeName,
      await options.runtime.version(),
      options.kubeletVersion ?? 'v0.1.0',
      options.facts,
    );
    const facts = this.facts;
    await registerNode(options.client, facts, options.clock.now());
    this.system.spawn('node', () => this.nodeActor(facts));
    this.system.spawn('pods', () => this.podsActor(facts));
    if (options.bus) this.system.spawn('logs', () => this.logsActor(facts, options.bus as Bus));
    if (options.bus) {
      const { bus, subjects, runtime } = options;
      this.system.spawn('pod-network', podNetworkActor({ node: facts.name, bus, subjects, runtime }));
    }
    options.log.info({ node: facts.name, runtime: options.runtime.name }, 'kubelet started');
  }

  /** Stops every actor (containers keep running: a restarted kubelet adopts them). */
  async stop(): Promise<void> {
    await this.system.stop();
  }

  /** Heartbeats on the node's subject; writes the Node status when it changed or at the refresh. */
  private nodeActor(facts: NodeFacts): ActorLogic<NodeMsg> {
    const { client, bus, subjects, clock } = this.options;
    const heartbeatMs = this.options.heartbeatMs ?? 10_000;
    const refreshMs = this.options.statusRefreshMs ?? 60_000;
    let timer: Timer | undefined;
    let writtenAt = Number.NEGATIVE_INFINITY;
    return {
      start: (ctx) => {
        ctx.self.send({ type: 'tick' });
      },
      receive: async (_msg, ctx) => {
        const now = clock.now();
        bus?.publish(
          subjects.nodeHeartbeat(facts.name),
          JSON.stringify({ node: facts.name, time: new Date(now).toISOString() }),
        );
        const current = await client.get<Node>('nodes', '', facts.name).catch((err: unknown) => {
          if (isReason(err, 'NotFound')) return undefined;
          throw err;
        });
        if (!current) await registerNode(client, facts, now);
        else {
          const next = nodeStatus(facts, now, current.status);
          if (nodeStatusChanged(current.status, next) || now - writtenAt >= refreshMs) {
            await client.updateStatus('nodes', { ...current, status: next });
            writtenAt = now;
          }
        }
        timer = ctx.clock.setTimeout(() => ctx.self.send({ type: 'tick' }), heartbeatMs);
      },
      stop: () => timer?.cancel(),
    };
  }

  /** Answers log and exec requests on the node's subjects (through the API server). */
  private logsActor(facts: NodeFacts, bus: Bus): ActorLogic<never> {
    const { runtime, subjects, clock } = this.options;
    let subscription: Subscription | undefined;
    let execSubscription: Subscription | undefined;
    // Logs being followed (`kubectl logs -f`): each ends on its own; the stop hook ends the rest.
    const followers = new Set<LogFollower>();
    const follow = async (request: PodLogRequest, log: Logger): Promise<PodLogReply> => {
      try {
        const follower = await startLogFollow(
          { bus, subjects, node: facts.name, runtime, clock, log },
          request,
        );
        followers.add(follower);
        void follower.ended.then(() => followers.delete(follower));
        return { ok: true, text: '' };
      } catch (err) {
        return logFailure(err, request);
      }
    };
    return {
      start: (ctx) => {
        subscription = bus.subscribe(subjects.nodeLogs(facts.name), async (msg) => {
          let reply: PodLogReply;
          try {
            const parsed = PodLogRequestSchema.safeParse(JSON.parse(msg.text()));
            if (!parsed.success) {
              reply = {
                ok: false,
                status: badRequest(`invalid log request: ${parsed.error.message}`).status,
              };
            } else if (parsed.data.follow) {
              reply = await follow(parsed.data, ctx.log);
            } else {
              reply = await readPodLog(runtime, parsed.data, clock.now(), bus.maxPayload - 64 * 1024);
            }
          } catch (err) {
            ctx.log.warn({ err }, 'log request failed');
            reply = {
              ok: false,
              status: internal(`reading the log failed: ${(err as Error).message}`).status,
            };
          }
          msg.respond(JSON.stringify(reply));
        });
        execSubscription = bus.subscribe(subjects.nodeExec(facts.name), async (msg) => {
          let reply: PodExecReply;
          try {
            const parsed = PodExecRequestSchema.safeParse(JSON.parse(msg.text()));
            reply = parsed.success
              ? await runPodExec(runtime, parsed.data)
              : { ok: false, status: badRequest(`invalid exec request: ${parsed.error.message}`).status };
          } catch (err) {
            ctx.log.warn({ err }, 'exec request failed');
            reply = { ok: false, status: internal(`exec failed: ${(err as Error).message}`).status };
          }
          msg.respond(JSON.stringify(reply));
        });
        ctx.log.info(
          { subjects: [subjects.nodeLogs(facts.name), subjects.nodeExec(facts.name)] },
          'serving logs and exec',
        );
      },
      receive: () => undefined,
      stop: async () => {
        await subscription?.drain();
        await execSubscription?.drain();
        await Promise.all([...followers].map((f) => f.close()));
      },
    };
  }

  /** This node's pods: one worker per pod, fed by the informer and the runtime's events. */
  private podsActor(facts: NodeFacts): ActorLogic<PodsMsg> {
    const { client, runtime, clock } = this.options;
    const workers = new Map<string, ActorRef<PodWorkerMsg>>();
    const keyByUid = new Map<string, string>();
    let informer: Informer<Pod> | undefined;
    let events: EventSubscription | undefined;
    let instance = 0;

    const worker = (uid: string, key: string): ActorRef<PodWorkerMsg> => {
      let ref = workers.get(uid);
      if (ref) return ref;
      keyByUid.set(uid, key);
      ref = this.system.spawn(
        `pod-${uid}`,
        podWorker({
          podUid: uid,
          node: facts.name,
          hostIP: facts.hostIP,
          runtime,
          client,
          clock,
          currentPod: () => {
            const pod = informer?.getByKey(keyByUid.get(uid) ?? '');
            return pod?.metadata.uid === uid ? pod : undefined;
          },
          hostPortFor: (containerPort, requested) =>
            hostPortFor(runtime.name, facts.hostIP, containerPort, requested),
          ...(this.options.logDirectory ? { logDirectory: this.options.logDirectory } : {}),
          ...(this.options.crashLoop ? { crashLoop: this.options.crashLoop } : {}),
          configSources: apiConfigSources(client),
          volumeDirectory: this.options.volumeDirectory ?? path.join(tmpdir(), `skiff-kubelet-${facts.name}`),
          onDone: (podUid) => podsRef.send({ type: 'done', podUid }),
        }),
      );
      workers.set(uid, ref);
      this.metrics.pods.set(workers.size);
      return ref;
    };
    let podsRef!: ActorRef<PodsMsg>;

    return {
      start: async (ctx) => {
        podsRef = ctx.self;
        const mine = ++instance;
        informer = new Informer<Pod>({
          client,
          resource: 'pods',
          fieldSelector: `spec.nodeName=${facts.name}`,
          clock: ctx.clock,
          log: ctx.log,
        });
        const changed = (pod: Pod) => ctx.self.send({ type: 'changed', pod });
        informer.on({ add: changed, update: (_old, pod) => changed(pod), delete: changed });
        events = await runtime.events((event) =>
          ctx.self.send({ type: 'runtime-event', podUid: event.podUid }),
        );
        void informer.start().then(() => ctx.self.send({ type: 'listed', instance: mine }));
      },
      receive: async (msg, ctx) => {
        switch (msg.type) {
          case 'changed': {
            const uid = msg.pod.metadata.uid;
            if (uid)
              worker(uid, `${msg.pod.metadata.namespace}/${msg.pod.metadata.name}`).send({ type: 'sync' });
            return;
          }
          case 'runtime-event':
            workers.get(msg.podUid)?.send({ type: 'sync' });
            return;
          case 'done':
            workers.delete(msg.podUid);
            keyByUid.delete(msg.podUid);
            this.metrics.pods.set(workers.size);
            await this.system.stopActor(`pod-${msg.podUid}`);
            return;
          case 'listed': {
            if (msg.instance !== instance || !informer) return;
            // Orphans: what the runtime holds for pods this node no longer has. Each gets a
            // worker, which finds its pod gone and removes it (gracefully, as for a forced delete).
            const known = new Set(informer.list().map((p) => p.metadata.uid));
            for (const sandbox of await runtime.listPodSandboxes()) {
              if (known.has(sandbox.podUid) || workers.has(sandbox.podUid)) continue;
              ctx.log.info(
                { podUid: sandbox.podUid, pod: `${sandbox.namespace}/${sandbox.name}` },
                'removing an orphaned pod',
              );
              worker(sandbox.podUid, '').send({ type: 'sync' });
            }
            return;
          }
        }
      },
      stop: async () => {
        await events?.close();
        await informer?.stop();
      },
    };
  }

  /** The labels this node carries (for tests and `skiff get nodes --show-labels`). */
  get labels(): Record<string, string> {
    return this.facts ? nodeLabels(this.facts) : {};
  }
}

/** ConfigMaps and Secrets read from the API when a container starts (Secret values decoded). */
function apiConfigSources(client: ApiClient): ConfigSources {
  const read = async <T>(resource: string, namespace: string, name: string): Promise<T | undefined> => {
    try {
      return await client.get<T>(resource, namespace, name);
    } catch (err) {
      if (isReason(err, 'NotFound')) return undefined;
      throw err;
    }
  };
  const decoded = (map: Record<string, string> | undefined) =>
    Object.entries(map ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()] as const);
  return {
    configMap: async (namespace, name) => {
      const cm = await read<{ data?: Record<string, string>; binaryData?: Record<string, string> }>(
        'configmaps',
        namespace,
        name,
      );
      return cm ? { ...Object.fromEntries(decoded(cm.binaryData)), ...cm.data } : undefined;
    },
    secret: async (namespace, name) => {
      const secret = await read<{ data?: Record<string, string> }>('secrets', namespace, name);
      return secret ? Object.fromEntries(decoded(secret.data)) : undefined;
    },
    // Read when a container starts (as its ConfigMaps are), not watched: a Service created later
    // reaches a container at its next start, which is what Kubernetes promises too.
    services: async (namespace) => (await client.listAll<Service>('services', { namespace })).items,
  };
}

/** Creates the Node, or takes over the existing one (a restarted kubelet, a re-joining node). */
async function registerNode(client: ApiClient, facts: NodeFacts, now: number): Promise<void> {
  try {
    await client.create('nodes', newNode(facts, now));
  } catch (err) {
    if (!isReason(err, 'AlreadyExists')) throw err;
    const current = await client.get<Node>('nodes', '', facts.name);
    const labels = { ...current.metadata.labels, ...nodeLabels(facts) };
    const updated = await client.update('nodes', { ...current, metadata: { ...current.metadata, labels } });
    await client.updateStatus('nodes', { ...updated, status: nodeStatus(facts, now, current.status) });
  }
}

/**
 * The host port a container port is published on. A process runs on the host itself, so its ports
 * are its own (hostPort = containerPort). Otherwise the requested hostPort, or a free one the
 * kernel picks on the host address (the runtime keeps it with the sandbox, so it survives restarts).
 */
async function hostPortFor(
  runtime: ContainerRuntime['name'],
  hostIP: string,
  containerPort: number,
  requested: number | undefined,
): Promise<number> {
  if (runtime === 'process') return containerPort;
  if (requested) return requested;
  return new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, hostIP, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
