/**
 * Decoders for the two byte streams libpod sends: Docker's multiplexed frames (container logs and
 * exec output when there is no TTY) and newline-delimited text (events, pull progress).
 *
 * A multiplexed frame is an 8-byte header then the payload:
 *
 *   byte 0      stream: 0 stdin, 1 stdout, 2 stderr, 3 system error
 *   bytes 1-3   zero
 *   bytes 4-7   payload length, big-endian uint32
 *
 * Chunks from the socket cut frames, and frames cut lines and UTF-8 characters, anywhere: every
 * decoder here keeps what it has not finished and takes the rest from the next chunk.
 */
import { StringDecoder } from 'node:string_decoder';

/** Where a frame's payload came from; system errors (stream 3) count as stderr. */
export type OutputStream = 'stdout' | 'stderr';

/** One decoded frame. */
export interface Frame {
  readonly stream: OutputStream;
  readonly payload: Buffer;
}

const HEADER_BYTES = 8;

/** Splits a multiplexed byte stream into frames, however the bytes arrive. */
export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds bytes; returns the frames they complete (stdin frames are dropped: nothing sends them). */
  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    let offset = 0;
    while (this.pending.length - offset >= HEADER_BYTES) {
      const kind = this.pending[offset];
      const length = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - HEADER_BYTES < length) break;
      const payload = this.pending.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
      if (kind === 1) frames.push({ stream: 'stdout', payload });
      else if (kind === 2 || kind === 3) frames.push({ stream: 'stderr', payload });
      offset += HEADER_BYTES + length;
    }
    this.pending = this.pending.subarray(offset);
    return frames;
  }

  /** Bytes of an unfinished frame (non-zero at the end of a stream means it was cut short). */
  get pendingBytes(): number {
    return this.pending.length;
  }
}

/** Splits bytes into lines without their `\n` (or `\r\n`), decoding UTF-8 across chunk boundaries. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  /** Adds bytes; returns the lines they complete. */
  push(chunk: Buffer): string[] {
    const text = this.partial + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    return lines.map(stripCarriageReturn);
  }

  /** The last line when the stream ended without a newline, if any. */
  flush(): string | undefined {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    return rest === '' ? undefined : stripCarriageReturn(rest);
  }
}

/** Turns a multiplexed stream into lines, one splitter per stream so stdout and stderr never mix a line. */
export class MultiplexedLineReader {
  private readonly demuxer = new FrameDemuxer();
  private readonly splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };

  /** Adds bytes; returns the complete lines, in the order their frames arrived. */
  push(chunk: Buffer): { stream: OutputStream; line: string }[] {
    const out: { stream: OutputStream; line: string }[] = [];
    for (const frame of this.demuxer.push(chunk)) {
      for (const line of this.splitters[frame.stream].push(frame.payload))
        out.push({ stream: frame.stream, line });
    }
    return out;
  }

  /** The unterminated last lines at the end of the stream. */
  flush(): { stream: OutputStream; line: string }[] {
    const out: { stream: OutputStream; line: string }[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const line = this.splitters[stream].flush();
      if (line !== undefined) out.push({ stream, line });
    }
    return out;
  }
}

/** Decodes a whole multiplexed body (exec output) into its stdout and stderr text. */
export function demultiplex(body: Buffer): { stdout: string; stderr: string } {
  const demuxer = new FrameDemuxer();
  const parts: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
  for (const frame of demuxer.push(body)) parts[frame.stream].push(frame.payload);
  return {
    stdout: Buffer.concat(parts.stdout).toString('utf8'),
    stderr: Buffer.concat(parts.stderr).toString('utf8'),
  };
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
