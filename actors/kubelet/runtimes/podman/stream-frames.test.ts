import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demultiplex, FrameDemuxer, LineSplitter, MultiplexedLineReader } from './stream-frames.js';

/** One frame as libpod writes it: stream byte, three zeros, big-endian length, payload. */
function frame(stream: 0 | 1 | 2 | 3, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** Cuts bytes at the given offsets. */
function cut(bytes: Buffer, at: readonly number[]): Buffer[] {
  const points = [...new Set(at.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    parts.push(bytes.subarray(start, p));
    start = p;
  }
  parts.push(bytes.subarray(start));
  return parts;
}

describe('FrameDemuxer', () => {
  it.each([
    ['stdout', 1, 'stdout'],
    ['stderr', 2, 'stderr'],
    ['system error as stderr', 3, 'stderr'],
  ] as const)('decodes a %s frame', (_name, kind, stream) => {
    const frames = new FrameDemuxer().push(frame(kind, 'hi\n'));
    expect(frames.map((f) => [f.stream, f.payload.toString()])).toEqual([[stream, 'hi\n']]);
  });

  it('drops stdin frames and keeps an empty frame harmless', () => {
    const frames = new FrameDemuxer().push(Buffer.concat([frame(0, 'in'), frame(1, ''), frame(1, 'x')]));
    expect(frames.map((f) => f.payload.toString())).toEqual(['', 'x']);
  });

  it('waits for the rest of a frame cut in its header or its payload', () => {
    const demuxer = new FrameDemuxer();
    const bytes = frame(1, 'hello');
    expect(demuxer.push(bytes.subarray(0, 3))).toEqual([]);
    expect(demuxer.push(bytes.subarray(3, 10))).toEqual([]);
    expect(demuxer.pendingBytes).toBe(10);
    expect(demuxer.push(bytes.subarray(10)).map((f) => f.payload.toString())).toEqual(['hello']);
    expect(demuxer.pendingBytes).toBe(0);
  });

  it('yields the same frames however the bytes are cut (property)', () => {
    const payloads = fc.array(fc.tuple(fc.constantFrom(1 as const, 2 as const), fc.string()), {
      maxLength: 8,
    });
    fc.assert(
      fc.property(payloads, fc.array(fc.nat(), { maxLength: 10 }), (items, cuts) => {
        const bytes = Buffer.concat(items.map(([kind, text]) => frame(kind, text)));
        const demuxer = new FrameDemuxer();
        const got = cut(bytes, cuts).flatMap((part) => demuxer.push(part));
        expect(got.map((f) => [f.stream, f.payload.toString()])).toEqual(
          items.map(([kind, text]) => [kind === 1 ? 'stdout' : 'stderr', text]),
        );
        expect(demuxer.pendingBytes).toBe(0);
      }),
    );
  });
});

describe('LineSplitter', () => {
  it('splits lines across chunks, strips \\r, and flushes an unterminated last line', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('a\r\nb'))).toEqual(['a']);
    expect(splitter.push(Buffer.from('c\n\nd'))).toEqual(['bc', '']);
    expect(splitter.flush()).toBe('d');
    expect(splitter.flush()).toBeUndefined();
  });

  it('decodes a UTF-8 character cut between chunks', () => {
    const bytes = Buffer.from('héllo\n');
    const splitter = new LineSplitter();
    expect(splitter.push(bytes.subarray(0, 2))).toEqual([]);
    expect(splitter.push(bytes.subarray(2))).toEqual(['héllo']);
  });
});

describe('MultiplexedLineReader', () => {
  it('keeps the lines of stdout and stderr apart when their frames interleave', () => {
    const reader = new MultiplexedLineReader();
    const bytes = Buffer.concat([
      frame(1, 'out-'),
      frame(2, 'err1\n'),
      frame(1, 'line\nnext'),
      frame(2, 'tail'),
    ]);
    expect(reader.push(bytes)).toEqual([
      { stream: 'stderr', line: 'err1' },
      { stream: 'stdout', line: 'out-line' },
    ]);
    expect(reader.flush()).toEqual([
      { stream: 'stdout', line: 'next' },
      { stream: 'stderr', line: 'tail' },
    ]);
  });
});

describe('demultiplex', () => {
  it('collects a whole exec body into stdout and stderr text', () => {
    const body = Buffer.concat([frame(1, '/tmp\n'), frame(2, 'e\n'), frame(1, 'A=1\n')]);
    expect(demultiplex(body)).toEqual({ stdout: '/tmp\nA=1\n', stderr: 'e\n' });
  });
});
