import { describe, expect, it } from 'vitest';
import {
  FrameParser,
  LINE_CUT_MARK,
  LineAssembler,
  MAX_LINE_CHARS,
  type OutputFrame,
} from './logs.js';

/** One Docker multiplex frame: [stream, 0, 0, 0, size BE] + payload. */
function frame(stream: 0 | 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const texts = (frames: OutputFrame[]) => frames.map((f) => [f.stream, f.payload.toString()]);

describe('FrameParser', () => {
  it('reads several frames from one chunk, tagging stdout and stderr', () => {
    const parser = new FrameParser();
    const frames = parser.push(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, '')]));
    expect(texts(frames)).toEqual([
      ['stdout', 'out\n'],
      ['stderr', 'err\n'],
      ['stdout', ''],
    ]);
    expect(parser.pendingBytes).toBe(0);
  });

  it('reassembles a frame split inside the header and inside the payload', () => {
    const bytes = Buffer.concat([frame(2, 'hello world\n'), frame(1, 'next\n')]);
    const parser = new FrameParser();
    const pieces = [
      bytes.subarray(0, 3),
      bytes.subarray(3, 12),
      bytes.subarray(12, 22),
      bytes.subarray(22),
    ];
    const got = pieces.flatMap((p) => parser.push(p));
    expect(texts(got)).toEqual([
      ['stderr', 'hello world\n'],
      ['stdout', 'next\n'],
    ]);
  });

  it('delivers byte by byte', () => {
    const bytes = frame(1, 'abc');
    const parser = new FrameParser();
    const got: OutputFrame[] = [];
    for (const byte of bytes) got.push(...parser.push(Buffer.from([byte])));
    expect(texts(got)).toEqual([['stdout', 'abc']]);
  });

  it('prints stdin frames as stdout, like the docker CLI', () => {
    expect(texts(new FrameParser().push(frame(0, 'typed')))).toEqual([['stdout', 'typed']]);
  });

  it('rejects a TTY (unframed) stream instead of printing garbage', () => {
    expect(() => new FrameParser().push(Buffer.from('plain text output'))).toThrow(/TTY/);
  });
});

describe('LineAssembler', () => {
  const f = (stream: 'stdout' | 'stderr', text: string | Buffer): OutputFrame => ({
    stream,
    payload: Buffer.isBuffer(text) ? text : Buffer.from(text),
  });

  it('splits lines per stream and keeps partial lines until they end', () => {
    const lines = new LineAssembler();
    expect(lines.push(f('stdout', 'a\nb'))).toEqual([{ stream: 'stdout', text: 'a' }]);
    expect(lines.push(f('stderr', 'e1\n'))).toEqual([{ stream: 'stderr', text: 'e1' }]);
    expect(lines.push(f('stdout', 'c\n'))).toEqual([{ stream: 'stdout', text: 'bc' }]);
    expect(lines.push(f('stdout', 'tail'))).toEqual([]);
    expect(lines.flush()).toEqual([{ stream: 'stdout', text: 'tail' }]);
  });

  it('keeps a multi-byte character split across frames intact', () => {
    const euro = Buffer.from('€\n');
    const lines = new LineAssembler();
    expect(lines.push(f('stdout', euro.subarray(0, 1)))).toEqual([]);
    expect(lines.push(f('stdout', euro.subarray(1)))).toEqual([{ stream: 'stdout', text: '€' }]);
  });

  it('strips per-frame timestamps and dates a line by its first part', () => {
    const lines = new LineAssembler(true);
    expect(lines.push(f('stdout', '2026-01-01T00:00:00.1Z first half '))).toEqual([]);
    expect(lines.push(f('stdout', '2026-01-01T00:00:00.2Z second\n'))).toEqual([
      { stream: 'stdout', text: 'first half second', timestamp: '2026-01-01T00:00:00.1Z' },
    ]);
  });

  it('cuts a line that never ends into marked 64 KiB pieces instead of growing it', () => {
    const lines = new LineAssembler();
    const out = [];
    // 200 KiB without a newline, in 4 KiB frames, then the end of the line.
    for (let i = 0; i < 50; i++) out.push(...lines.push(f('stdout', 'x'.repeat(4096))));
    out.push(...lines.push(f('stdout', 'tail\n')));
    expect(out.map((l) => l.text.length)).toEqual([
      MAX_LINE_CHARS + LINE_CUT_MARK.length,
      MAX_LINE_CHARS + LINE_CUT_MARK.length,
      MAX_LINE_CHARS + LINE_CUT_MARK.length,
      50 * 4096 - 3 * MAX_LINE_CHARS + 'tail'.length,
    ]);
    expect(out.slice(0, 3).every((l) => l.text.endsWith(LINE_CUT_MARK))).toBe(true);
    expect(out[3]?.text.endsWith('xtail')).toBe(true);
  });
});
