/**
 * Test support: a TCP proxy on 127.0.0.1 that injects network faults between a client and a server.
 * - `pause()` blackholes: connections stay open but nothing is forwarded either way (new ones are
 *   accepted and held too), like a partition that neither side notices at once;
 * - `resume()` forwards again, including whatever was held;
 * - `cutAll()` destroys every connection, like a server or network reset;
 * - `close()` stops listening and cuts everything.
 */
import net from 'node:net';

interface Pipe {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
}

/** A fault-injecting TCP proxy to one target port on 127.0.0.1. */
export class FaultProxy {
  private readonly pipes = new Set<Pipe>();
  private paused = false;
  /** Socket errors seen (resets are expected when faults are injected; counted, not thrown). */
  socketErrors = 0;
  /** Connections accepted since start. */
  accepted = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    readonly targetPort: number,
  ) {}

  /** Listens on a free port of 127.0.0.1 and forwards to 127.0.0.1:targetPort. */
  static async start(targetPort: number): Promise<FaultProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('proxy has no address');
    const proxy = new FaultProxy(server, address.port, targetPort);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** `127.0.0.1:PORT`, for clients to connect to instead of the target. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Open client connections. */
  get connections(): number {
    return this.pipes.size;
  }

  /** Blackholes every connection, current and new, until `resume()`. */
  pause(): void {
    this.paused = true;
    for (const { client, upstream } of this.pipes) {
      client.pause();
      upstream.pause();
    }
  }

  /** Forwards again, held bytes first. */
  resume(): void {
    this.paused = false;
    for (const { client, upstream } of this.pipes) {
      client.resume();
      upstream.resume();
    }
  }

  /** Destroys every connection (both sides see the socket close). */
  cutAll(): void {
    for (const pipe of this.pipes) this.cut(pipe);
  }

  /** Stops listening and cuts every connection. */
  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    const upstream = net.connect({ host: '127.0.0.1', port: this.targetPort });
    const pipe: Pipe = { client, upstream };
    this.pipes.add(pipe);
    if (this.paused) {
      client.pause();
      upstream.pause();
    }
    this.forward(client, upstream);
    this.forward(upstream, client);
    for (const socket of [client, upstream]) {
      socket.on('error', () => {
        this.socketErrors++;
        this.cut(pipe);
      });
      socket.on('close', () => this.cut(pipe));
    }
  }

  /** Copies `from` to `to` by hand (not `pipe()`, which would resume a socket `pause()` stopped). */
  private forward(from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!this.paused) from.resume();
    });
  }

  private cut(pipe: Pipe): void {
    if (!this.pipes.delete(pipe)) return;
    pipe.client.destroy();
    pipe.upstream.destroy();
  }
}
