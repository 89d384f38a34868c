// Container logs. Containers are created without a TTY, so Docker multiplexes stdout and stderr
// into one byte stream of frames: an 8-byte header [stream, 0, 0, 0, size (uint32 BE)] and then
// `size` bytes. The same framing carries exec output (exec.ts).
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { DockerError, toDockerError } from './errors.js';
import type { DockerHost } from './host.js';

export type OutputStream = 'stdout' | 'stderr';

export interface OutputFrame {
  stream: OutputStream;
  payload: Buffer;
}

export interface LogLine {
  stream: OutputStream;
  text: string;
  /** Docker's RFC 3339 nano timestamp, when asked for with `timestamps`. */
  timestamp?: string;
}

const HEADER_BYTES = 8;

/**
 * The longest line kept whole, in characters. An agent that writes without newlines would
 * otherwise grow one string without bound: longer lines are cut into pieces this long, each
 * ending with LINE_CUT_MARK, so a reader can tell a cut from a real line end.
 */
export const MAX_LINE_CHARS = 64 * 1024;
export const LINE_CUT_MARK = ' …[line cut at 64 KiB]';

/** Incremental demultiplexer: feed it chunks as they arrive, in any split. */
export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): OutputFrame[] {
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: OutputFrame[] = [];
    let offset = 0;
    while (data.length - offset >= HEADER_BYTES) {
      const kind = data[offset];
      if ((kind !== 0 && kind !== 1 && kind !== 2) || data.readUIntBE(offset + 1, 3) !== 0) {
        throw new Error('not a multiplexed Docker stream (was the container created with a TTY?)');
      }
      const size = data.readUInt32BE(offset + 4);
      if (data.length - offset - HEADER_BYTES < size) break;
      const start = offset + HEADER_BYTES;
      // Stream 0 (stdin) only appears when stdin is echoed; Docker's own clients print it as stdout.
      frames.push({
        stream: kind === 2 ? 'stderr' : 'stdout',
        payload: data.subarray(start, start + size),
      });
      offset = start + size;
    }
    this.pending = Buffer.from(data.subarray(offset));
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pendingBytes(): number {
    return this.pending.length;
  }
}

/**
 * Turns frames into lines per stream. A line may span frames (Docker splits log messages over
 * 16 KiB, and exec output is chunked arbitrarily) and a multi-byte character may span frames.
 */
export class LineAssembler {
  private readonly open = new Map<
    OutputStream,
    { decoder: StringDecoder; text: string; timestamp?: string }
  >();

  constructor(private readonly timestamps = false) {}

  push(frame: OutputFrame): LogLine[] {
    let state = this.open.get(frame.stream);
    if (!state) {
      state = { decoder: new StringDecoder('utf8'), text: '' };
      this.open.set(frame.stream, state);
    }
    let text = state.decoder.write(frame.payload);
    if (this.timestamps) {
      // With timestamps every frame (every message part) starts with "<RFC3339Nano> ".
      const space = text.indexOf(' ');
      if (space > 0) {
        if (state.text === '') state.timestamp = text.slice(0, space);
        text = text.slice(space + 1);
      }
    }
    state.text += text;
    const lines: LogLine[] = [];
    for (;;) {
      const newline = state.text.indexOf('\n');
      if (newline >= 0 && newline <= MAX_LINE_CHARS) {
        lines.push(line(frame.stream, state.text.slice(0, newline), state.timestamp));
        state.text = state.text.slice(newline + 1);
      } else if (state.text.length > MAX_LINE_CHARS) {
        const piece = state.text.slice(0, MAX_LINE_CHARS);
        lines.push(line(frame.stream, piece + LINE_CUT_MARK, state.timestamp));
        state.text = state.text.slice(MAX_LINE_CHARS);
      } else {
        return lines;
      }
    }
  }

  /** The unterminated tails, when the stream has ended. */
  flush(): LogLine[] {
    const lines: LogLine[] = [];
    for (const [stream, state] of this.open) {
      const text = state.text + state.decoder.end();
      if (text !== '') lines.push(line(stream, text, state.timestamp));
      state.text = '';
    }
    return lines;
  }
}

function line(stream: OutputStream, text: string, timestamp: string | undefined): LogLine {
  return timestamp === undefined ? { stream, text } : { stream, text, timestamp };
}

export interface LogOptions {
  /** Only the last N lines. */
  tail?: number;
  /** Only lines logged at or after this time (a string: RFC 3339, to the nanosecond). */
  since?: Date | string;
  timestamps?: boolean;
}

function logQuery({ tail, since, timestamps = false }: LogOptions) {
  return {
    stdout: true,
    stderr: true,
    timestamps,
    ...(tail !== undefined ? { tail } : {}),
    ...(since ? { since: dockerSince(since) } : {}),
  };
}

/**
 * Docker's `since`: Unix seconds with up to nine decimals. From a Date that is milliseconds;
 * from an RFC 3339 time (a line's own timestamp) every digit it has, so a reader that resumes
 * after its last line misses none logged in the same millisecond.
 */
export function dockerSince(since: Date | string): string {
  if (since instanceof Date) return (since.getTime() / 1000).toFixed(3);
  const match = /^(.+?T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(since);
  const seconds = match ? Date.parse(`${match[1]}${match[3]}`) / 1000 : Number.NaN;
  if (!match || Number.isNaN(seconds)) throw new TypeError(`not an RFC 3339 time: ${since}`);
  return `${seconds}.${(match[2] ?? '').padEnd(9, '0')}`;
}

export async function containerLogs(
  host: DockerHost,
  id: string,
  options: LogOptions = {},
): Promise<LogLine[]> {
  const raw: unknown = await host.call('container.logs', (signal) =>
    host.docker.getContainer(id).logs({ ...logQuery(options), follow: false, abortSignal: signal }),
  );
  if (!Buffer.isBuffer(raw)) throw new DockerError('container.logs', 'expected raw log bytes');
  const frames = new FrameParser().push(raw);
  const assembler = new LineAssembler(options.timestamps);
  return [...frames.flatMap((f) => assembler.push(f)), ...assembler.flush()];
}

/**
 * Streams lines to `onLine` until `signal` aborts (resolves) or the container stops (resolves
 * once the daemon closes the stream). A failure to open the stream, or a broken one, rejects.
 * When `onLine` returns a promise (the reader is slow), the Docker stream is paused until it
 * settles: a client that does not read must not make the control plane buffer its logs.
 */
export async function followContainerLogs(
  host: DockerHost,
  id: string,
  {
    tail = 0,
    since,
    onLine,
    signal,
    timestamps,
  }: LogOptions & {
    onLine: (line: LogLine) => unknown;
    signal: AbortSignal;
  },
): Promise<void> {
  if (signal.aborted) return;
  let stream: Readable;
  try {
    stream = (await host.call('container.logs.follow', (callSignal) =>
      host.docker.getContainer(id).logs({
        ...logQuery({ tail, since, timestamps }),
        follow: true,
        // Only `signal` may end the stream later: the call's deadline is cleared once it opens.
        abortSignal: AbortSignal.any([callSignal, signal]),
      }),
    )) as unknown as Readable;
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  }
  const parser = new FrameParser();
  const assembler = new LineAssembler(timestamps);
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      stream.destroy();
      if (err === undefined || signal.aborted) resolve();
      else reject(toDockerError('container.logs.follow', err, host.description));
    };
    stream.on('data', (chunk: Buffer) => {
      const waits: Promise<unknown>[] = [];
      try {
        for (const frame of parser.push(chunk)) {
          for (const l of assembler.push(frame)) {
            const wait = onLine(l);
            if (wait instanceof Promise) waits.push(wait);
          }
        }
      } catch (err) {
        finish(err);
      }
      if (waits.length === 0 || settled) return;
      stream.pause();
      Promise.allSettled(waits).then(() => {
        if (!settled) stream.resume();
      });
    });
    stream.on('end', () => {
      try {
        for (const l of assembler.flush()) onLine(l);
        finish();
      } catch (err) {
        finish(err);
      }
    });
    stream.on('error', finish);
    // An aborted or dropped response may close without 'end' or 'error'.
    stream.on('close', () =>
      finish(signal.aborted ? undefined : new Error('log stream closed before it ended')),
    );
  });
}
