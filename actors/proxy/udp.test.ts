/**
 * UDP flows on simulated time: a client address keeps its endpoint while it talks, and is placed
 * anew once its flow was idle past the timeout.
 */
import dgram from 'node:dgram';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../protocol/clock.js';
import { silentLogger } from '../kernel/log.js';
import { waitFor } from '../kernel/testing/wait-for.js';
import { Balancer } from './balancer.js';
import { proxyMetrics } from './metrics.js';
import { UdpForwarder } from './udp.js';

async function bound(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

describe('UdpForwarder', () => {
  const sockets: dgram.Socket[] = [];
  let forwarder: UdpForwarder;
  let clock: SimulatedClock;
  let replies: string[];
  let client: dgram.Socket;
  let listener: dgram.Socket;

  beforeEach(async () => {
    clock = new SimulatedClock();
    const echoes = await Promise.all(
      ['one', 'two'].map(async (name) => {
        const s = await bound();
        s.on('message', (msg, rinfo) => s.send(`${name}:${msg}`, rinfo.port, rinfo.address));
        sockets.push(s);
        return s;
      }),
    );
    const balancer = new Balancer({ affinity: 'None', affinityTimeoutMs: 0 });
    balancer.update(echoes.map((s) => ({ ip: '127.0.0.1', port: s.address().port })));
    listener = await bound();
    forwarder = new UdpForwarder(listener, 'node', {
      label: 'default/udp:53',
      balancer,
      metrics: proxyMetrics(new Registry()),
      clock,
      log: silentLogger(),
      idleMs: 1_000,
    });
    client = await bound();
    sockets.push(client);
    replies = [];
    client.on('message', (msg) => replies.push(msg.toString()));
  });

  afterEach(() => {
    forwarder.close();
    for (const s of sockets.splice(0)) s.close();
  });

  const ask = async (text: string) => {
    const before = replies.length;
    client.send(text, listener.address().port, '127.0.0.1');
    await waitFor(() => replies.length > before);
    return replies.at(-1) as string;
  };

  it('keeps a talking client on one endpoint, and places it anew after the idle timeout', async () => {
    const first = await ask('a');
    await clock.advance(600);
    expect((await ask('b')).split(':')[0]).toBe(first.split(':')[0]);
    await clock.advance(600); // 600 ms since the last datagram: still within the timeout
    expect((await ask('c')).split(':')[0]).toBe(first.split(':')[0]);
    expect(forwarder.size).toBe(1);
    await clock.advance(1_600);
    expect(forwarder.size).toBe(0);
    // The rotation moved on: the client's new flow goes to the other endpoint.
    expect((await ask('d')).split(':')[0]).not.toBe(first.split(':')[0]);
  });
});
