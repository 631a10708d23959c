import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../protocol/clock.js';
import { isReason } from '../../protocol/errors.js';
import { LOG_FOLLOW_HEARTBEAT_MS, type PodLogChunk } from '../../protocol/kubelet.js';
import { followPodLog } from '../../protocol/log-follow.js';
import { Subjects } from '../../protocol/subjects.js';
import { MemoryBus } from '../kernel/bus/memory.js';
import { silentLogger } from '../kernel/log.js';
import { startLogFollow } from './log-follow.js';
import { HollowRuntime } from './runtimes/hollow/hollow-runtime.js';

// Both ends of a followed log on simulated time: what each does when the other goes quiet.
const NODE = 'n1';
const HB = LOG_FOLLOW_HEARTBEAT_MS;

describe('following a log over the bus', () => {
  let bus: MemoryBus;
  let clock: SimulatedClock;
  let runtime: HollowRuntime;
  const subjects = new Subjects('skiff');
  let podUid: string;

  beforeEach(async () => {
    bus = new MemoryBus();
    clock = new SimulatedClock();
    runtime = new HollowRuntime({
      node: NODE,
      clock,
      // Exits well after the reader-gone timeout (3 intervals), so the two endings are told apart.
      behaviour: () => ({ type: 'exit', code: 0, afterMs: 10 * HB, output: ['one', 'two'] }),
    });
    podUid = 'uid-1';
    const sandbox = await runtime.runPodSandbox({
      podUid,
      namespace: 'default',
      name: 'web',
      node: NODE,
      hostname: 'web',
      portMappings: [],
    });
    const id = await runtime.createContainer(sandbox, {
      name: 'main',
      image: 'busybox',
      command: ['server'],
      env: [],
      mounts: [],
      attempt: 0,
    });
    await runtime.startContainer(id);
    await clock.tick();
  });
  afterEach(async () => {
    await runtime.close();
    await bus.close();
  });

  const request = (stream: string) => ({ namespace: 'default', name: 'web', podUid, follow: true, stream });

  it('streams the text, heartbeats while the container is quiet, and ends when it exits', async () => {
    bus.subscribe(subjects.nodeLogs(NODE), async (msg) => {
      const follower = await startLogFollow(
        { bus, subjects, node: NODE, runtime, clock, log: silentLogger() },
        JSON.parse(msg.text()),
      );
      msg.respond(JSON.stringify({ ok: true, text: '' }));
      void follower.ended;
    });
    let text = '';
    let accepted = false;
    const following = followPodLog(
      { bus, subjects, clock },
      NODE,
      { namespace: 'default', name: 'web', podUid },
      { onText: (t) => (text += t), onAccepted: () => (accepted = true) },
    );
    await clock.advance(HB * 10 + 10); // past the exit, with heartbeats both ways on the way
    await following;
    expect(accepted).toBe(true);
    expect(text).toMatch(/\none\ntwo\n$/);
  });

  it("the kubelet stops following when the reader's keepalives stop", async () => {
    const chunks: PodLogChunk[] = [];
    bus.subscribe(subjects.nodeLogStream(NODE, 's1'), (msg) => {
      chunks.push(JSON.parse(msg.text()));
    });
    const follower = await startLogFollow(
      { bus, subjects, node: NODE, runtime, clock, log: silentLogger() },
      request('s1'),
    );
    let ended = false;
    void follower.ended.then(() => (ended = true));
    await clock.advance(HB * 2);
    expect(ended).toBe(false); // still within three intervals: heartbeats go out
    expect(chunks.filter((c) => c.type === 'heartbeat')).toHaveLength(2);
    await clock.advance(HB * 2);
    expect(ended).toBe(true);
    expect(chunks.at(-1)?.type).toBe('end');
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
  });

  it('the reader fails with 503 when the kubelet goes silent, and with the Status it refuses with', async () => {
    bus.subscribe(subjects.nodeLogs(NODE), (msg) => {
      const body = JSON.parse(msg.text()) as { container?: string };
      msg.respond(
        JSON.stringify(
          body.container === 'nope'
            ? {
                ok: false,
                status: {
                  kind: 'Status',
                  apiVersion: 'v1',
                  status: 'Failure',
                  code: 400,
                  reason: 'BadRequest',
                  message: 'container nope is not valid for pod web',
                },
              }
            : { ok: true, text: '' },
        ),
      );
    });
    const refused = await followPodLog(
      { bus, subjects, clock },
      NODE,
      { namespace: 'default', name: 'web', podUid, container: 'nope' },
      { onText: () => undefined },
    ).catch((e: unknown) => e);
    expect(isReason(refused, 'BadRequest')).toBe(true);

    const silent = followPodLog(
      { bus, subjects, clock },
      NODE,
      { namespace: 'default', name: 'web', podUid },
      {
        onText: () => undefined,
      },
    ).catch((e: unknown) => e);
    await clock.advance(HB * 4 + 10);
    const err = await silent;
    expect(isReason(err, 'ServiceUnavailable')).toBe(true);
    expect((err as Error).message).toBe('the kubelet of node n1 stopped streaming the log');
  });
});
