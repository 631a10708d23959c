/**
 * A container's log: its stdout and stderr arrive through a named pipe (FIFO) and are appended to
 * `<name>-<attempt>.log`, each line prefixed with an RFC 3339 timestamp (so `sinceMs` works), which
 * readers get stripped.
 *
 * Why a FIFO rather than an ordinary pipe: the process must outlive the kubelet (a restarted
 * kubelet adopts it). With an ordinary pipe, the kubelet's exit closes the only read end and the
 * process's next write kills it with SIGPIPE. The process instead gets the FIFO opened read-write,
 * so a reader always exists; while no kubelet reads, its output waits in the pipe (64 KiB, then its
 * writes block), and the next kubelet opens the FIFO and carries on. End of file on the FIFO means
 * every writer (the process and its descendants) has closed it: usually, that it exited.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { Clock } from '../../../../protocol/clock.js';
import type { LogEntry } from '../log-lines.js';

/** Reads a container's FIFO into its log file; see the file header. */
export class LogPipe {
  /** Settles at end of file on the FIFO, or when closed. */
  readonly ended: Promise<void>;
  private readonly socket: net.Socket;
  private readonly logFd: number;
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private closed = false;

  /** Opens the FIFO for reading (it must already have a writer, or it ends at once) and the log for appending. */
  constructor(
    fifoPath: string,
    logPath: string,
    private readonly clock: Clock,
    private readonly onLine: (line: string) => void,
  ) {
    const fifoFd = openSync(fifoPath, 'r+');
    // Read-write above only so that opening for reading below cannot block (a writer exists: us);
    // the reader is read-only so that end of file can happen (a read-write descriptor would count
    // as a writer itself).
    const readFd = openSync(fifoPath, 'r');
    closeSync(fifoFd);
    try {
      this.logFd = openSync(logPath, 'a');
    } catch (error) {
      closeSync(readFd);
      throw error;
    }
    this.socket = new net.Socket({ fd: readFd, readable: true, writable: false });
    this.ended = new Promise<void>((resolve) => {
      this.socket.on('data', (chunk: Buffer) => this.append(this.decoder.write(chunk)));
      this.socket.on('end', () => {
        this.append(`${this.decoder.end()}`);
        if (this.partial !== '') this.append('\n');
        resolve();
      });
      this.socket.on('close', () => resolve());
      // A read error ends the log like end of file would; the exit is learnt elsewhere.
      this.socket.on('error', () => resolve());
    });
  }

  /** Stops reading and closes the log file; the process keeps its end of the FIFO. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    closeSync(this.logFd);
  }

  private append(text: string): void {
    if (this.closed || text === '') return;
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    if (lines.length === 0) return;
    const stamp = new Date(this.clock.now()).toISOString();
    // Written synchronously: a reader that stats the file and then registers as a follower, with
    // no await between, sees every line exactly once (in the file or as a follower).
    writeSync(this.logFd, lines.map((line) => `${stamp} ${line}\n`).join(''));
    for (const line of lines) this.onLine(line);
  }
}

/** The timestamped lines of a log file's first `bytes` bytes (all of it when undefined); none if it does not exist. */
export async function readLogFile(logPath: string, bytes?: number): Promise<LogEntry[]> {
  let buffer: Buffer;
  try {
    buffer = await readFile(logPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const text = buffer.subarray(0, bytes ?? buffer.length).toString('utf8');
  const entries: LogEntry[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const space = raw.indexOf(' ');
    const at = Date.parse(raw.slice(0, space));
    // A line without a valid stamp cannot come from LogPipe; keep it rather than lose output.
    entries.push(Number.isNaN(at) || space < 0 ? { at: 0, line: raw } : { at, line: raw.slice(space + 1) });
  }
  return entries;
}
