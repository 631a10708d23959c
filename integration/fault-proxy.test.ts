import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { FaultProxy } from './fault-proxy.js';

/** An echo server on 127.0.0.1 that records what it received. */
async function echoServer(): Promise<{ server: net.Server; port: number; received: () => string }> {
  let received = '';
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => {
      received += chunk.toString();
      socket.write(chunk);
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address() as net.AddressInfo;
  return { server, port: address.port, received: () => received };
}

/** A client that records what it reads back and whether it was closed. */
async function client(
  port: number,
): Promise<{ socket: net.Socket; echoed: () => string; closed: () => boolean }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let echoed = '';
  let closed = false;
  socket.on('data', (chunk) => {
    echoed += chunk.toString();
  });
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, echoed: () => echoed, closed: () => closed };
}

describe('FaultProxy', () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let proxy: FaultProxy;

  beforeEach(async () => {
    echo = await echoServer();
    proxy = await FaultProxy.start(echo.port);
  });

  afterEach(async () => {
    await proxy.close();
    await new Promise<void>((resolve) => echo.server.close(() => resolve()));
  });

  it('forwards both ways', async () => {
    const c = await client(proxy.port);
    c.socket.write('hello');
    await waitFor(() => c.echoed() === 'hello');
    expect(echo.received()).toBe('hello');
    c.socket.destroy();
  });

  it('holds traffic while paused, on old and new connections, and delivers it on resume', async () => {
    const old = await client(proxy.port);
    await waitFor(() => proxy.connections === 1);
    proxy.pause();
    old.socket.write('held');
    const fresh = await client(proxy.port);
    fresh.socket.write('new');
    // Both writes have left the clients; the proxy must not have passed them on.
    await waitFor(
      () => old.socket.writableLength === 0 && fresh.socket.writableLength === 0 && proxy.accepted === 2,
    );
    expect(echo.received()).toBe('');
    expect(old.closed()).toBe(false);
    proxy.resume();
    await waitFor(() => old.echoed() === 'held' && fresh.echoed() === 'new');
    old.socket.destroy();
    fresh.socket.destroy();
  });

  it('cuts every connection and still accepts new ones', async () => {
    const c = await client(proxy.port);
    await waitFor(() => proxy.connections === 1);
    proxy.cutAll();
    await waitFor(() => c.closed());
    expect(proxy.connections).toBe(0);
    const again = await client(proxy.port);
    again.socket.write('back');
    await waitFor(() => again.echoed() === 'back');
    again.socket.destroy();
  });

  it('refuses connections once closed', async () => {
    await proxy.close();
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: proxy.port });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
    });
    expect(refused).toBe('ECONNREFUSED');
    proxy = await FaultProxy.start(echo.port); // afterEach closes a live one
  });
});
