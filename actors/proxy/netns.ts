/**
 * Listening sockets inside another network namespace (a Podman pod's): a short-lived helper
 * process started in that namespace (`nsenter --net=/proc/<pid>/ns/net node -e HELPER`) creates
 * them and hands each to the proxy over Node's child-process IPC (`process.send(msg, server)`
 * passes the file descriptor). The socket stays bound in the pod's namespace; the proxy accepts
 * on it and connects to endpoints from the node's namespace. The helper exits once the proxy
 * disconnects.
 *
 *   proxy ──spawn nsenter (ipc)──▶ helper in pod netns: listen/bind each address
 *   proxy ◀──── {id} + handle ─── helper                 (or {id, error})
 *   proxy ──disconnect──▶ helper exits
 */
import { spawn } from 'node:child_process';
import type dgram from 'node:dgram';
import type net from 'node:net';
import type { ListenAddress } from './service-table.js';

/** The helper, run with `node -e`; its argument is the JSON list of addresses to open. */
const HELPER_SOURCE = `
const net = require('node:net');
const dgram = require('node:dgram');
process.on('disconnect', () => process.exit(0));
const requests = JSON.parse(process.argv[1]);
requests.forEach((r, id) => {
  const fail = (err) => process.send({ id, error: String(err && err.code || err) });
  if (r.protocol === 'UDP') {
    const socket = dgram.createSocket('udp4');
    socket.once('error', fail);
    socket.bind({ address: r.address, port: r.port }, () => process.send({ id }, socket));
  } else {
    const server = net.createServer();
    server.once('error', fail);
    server.listen({ host: r.address, port: r.port, backlog: 511 }, () => process.send({ id }, server));
  }
});
`;

/** What came back for one address: a socket, or why not. */
export type NetnsListenResult =
  | { readonly ok: true; readonly listen: ListenAddress; readonly handle: net.Server | dgram.Socket }
  | { readonly ok: false; readonly listen: ListenAddress; readonly error: string };

/** How the helper is started: the command and its arguments before `node -e HELPER ARG`. */
export type HelperLauncher = (pid: number) => readonly string[];

/** `nsenter --net=/proc/<pid>/ns/net` (needs CAP_SYS_ADMIN: the proxy runs as root). */
export const nsenterLauncher: HelperLauncher = (pid) => ['nsenter', `--net=/proc/${pid}/ns/net`];

/**
 * Opens `listens` inside the network namespace of process `pid`; resolves with one result per
 * address, in order. Rejects when the helper cannot start or does not answer within `timeoutMs`
 * (sockets it already handed over are closed then).
 */
export function listenInNetns(
  pid: number,
  listens: readonly ListenAddress[],
  options: { readonly timeoutMs?: number; readonly launcher?: HelperLauncher } = {},
): Promise<NetnsListenResult[]> {
  const [command, ...prefix] = (options.launcher ?? nsenterLauncher)(pid);
  const child = spawn(
    command as string,
    [...prefix, process.execPath, '-e', HELPER_SOURCE, JSON.stringify(listens)],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    },
  );
  const results = new Array<NetnsListenResult | undefined>(listens.length);
  let answered = 0;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  return new Promise<NetnsListenResult[]>((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`netns helper for pid ${pid} timed out`)),
      options.timeoutMs ?? 10_000,
    );
    const finish = (err?: Error) => {
      clearTimeout(timer);
      if (child.connected) child.disconnect();
      if (err) {
        child.kill('SIGKILL');
        for (const r of results) if (r?.ok) r.handle.close();
        reject(err);
      } else resolve(results as NetnsListenResult[]);
    };
    child.on(
      'message',
      (msg: { id: number; error?: string }, handle: net.Server | dgram.Socket | undefined) => {
        const listen = listens[msg.id];
        if (!listen || results[msg.id]) return;
        results[msg.id] =
          handle && !msg.error
            ? { ok: true, listen, handle }
            : { ok: false, listen, error: msg.error ?? 'no socket came back' };
        if (++answered === listens.length) finish();
      },
    );
    child.once('error', (err) => finish(err));
    child.once('exit', (code) => {
      if (answered < listens.length)
        finish(new Error(`netns helper for pid ${pid} exited with ${code}: ${stderr.trim()}`));
    });
  });
}
