// Docker's event stream, kept open across daemon restarts. Events only wake the reconciler early
// (it is level-triggered and re-reads state), so a missed event costs latency, not correctness;
// still, on reconnect we ask for everything since the last event we saw.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DockerHost, withSignal } from './host.js';

export interface DockerEvent {
  /** container, network, volume, image, daemon, ... */
  type: string;
  /** create, start, die, health_status: healthy, destroy, ... */
  action: string;
  id: string;
  attributes: Record<string, string>;
  /** Unix seconds. */
  time: number;
  /** Unix nanoseconds, exact (a JS number cannot hold them). */
  timeNano: bigint;
}

export type EventStreamState = 'connected' | 'disconnected';

export interface RuntimeLogger {
  info(message: string): void;
  warn(message: string): void;
}

const silent: RuntimeLogger = { info() {}, warn() {} };

export interface DockerEventStreamOptions {
  /** Docker event filters, e.g. `{ type: ['container'], label: ['agentpod.managed=true'] }`. */
  filters: Record<string, string[]>;
  onEvent(event: DockerEvent): void;
  /** 'connected' is also the cue to resync: events from before a daemon restart are gone. */
  onStateChange?(state: EventStreamState): void;
  reconnectDelayMs: { min: number; max: number };
  logger?: RuntimeLogger;
}

/** Splits newline-delimited JSON arriving in arbitrary chunks into whole lines. */
export class JsonLineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  push(chunk: Buffer | string): string[] {
    this.rest += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const parts = this.rest.split('\n');
    this.rest = parts.pop() ?? '';
    return parts.map((line) => line.trim()).filter((line) => line !== '');
  }
}

/** Parses one line of `/events`. Throws on anything that is not an event object. */
export function parseDockerEvent(line: string): DockerEvent {
  const raw: unknown = JSON.parse(line);
  if (!raw || typeof raw !== 'object') throw new Error(`not a Docker event: ${line.slice(0, 200)}`);
  const ev = raw as {
    Type?: string;
    Action?: string;
    status?: string;
    id?: string;
    Actor?: { ID?: string; Attributes?: Record<string, string> };
    time?: number;
  };
  // timeNano exceeds 2^53, so take its digits from the text rather than the parsed number.
  const nano = /"timeNano"\s*:\s*(\d+)/.exec(line)?.[1];
  const time = ev.time ?? 0;
  return {
    type: ev.Type ?? '',
    action: ev.Action ?? ev.status ?? '',
    id: ev.Actor?.ID ?? ev.id ?? '',
    attributes: ev.Actor?.Attributes ?? {},
    time,
    timeNano: nano ? BigInt(nano) : BigInt(time) * 1_000_000_000n,
  };
}

/** Docker's `since` accepts "<seconds>.<nanoseconds>". */
export function sinceParam(timeNano: bigint): string {
  const seconds = timeNano / 1_000_000_000n;
  const nanos = timeNano % 1_000_000_000n;
  return `${seconds}.${nanos.toString().padStart(9, '0')}`;
}

export class DockerEventStream {
  private readonly logger: RuntimeLogger;
  private state: EventStreamState | undefined;
  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  /** When the first connection opened (our clock): `since` until an event has been seen. */
  private firstConnectedAt: bigint | undefined;
  /** Time of the newest event delivered, and the events delivered at exactly that time: `since`
   * is inclusive, so those come again after a reconnect and are dropped. */
  private lastSeen: bigint | undefined;
  private seenAtLast = new Set<string>();

  constructor(
    private readonly host: DockerHost,
    private readonly options: DockerEventStreamOptions,
  ) {
    this.logger = options.logger ?? silent;
  }

  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    this.loop = this.run(this.controller.signal);
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    this.controller = undefined;
    this.loop = undefined;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { min, max } = this.options.reconnectDelayMs;
    let delay = min;
    while (!signal.aborted) {
      let reason: unknown;
      try {
        await this.follow(signal, () => {
          delay = min;
        });
        reason = new Error('the daemon closed the event stream');
      } catch (err) {
        reason = err;
      }
      if (signal.aborted) break;
      this.setState('disconnected', reason);
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        break; // stopped while waiting
      }
      delay = Math.min(delay * 2, max);
    }
  }

  /** One connection: resolves when the daemon ends the stream, rejects when it breaks. */
  private async follow(signal: AbortSignal, onOpen: () => void): Promise<void> {
    const from = this.lastSeen ?? this.firstConnectedAt;
    const since = from === undefined ? undefined : sinceParam(from);
    const stream = (await this.host.call('events.connect', (callSignal) =>
      this.host.docker.getEvents(
        withSignal(
          // `since` as "<s>.<ns>" text: typed as a number, but a number would lose the nanos.
          {
            filters: this.options.filters,
            ...(since ? { since: since as unknown as number } : {}),
          },
          AbortSignal.any([callSignal, signal]),
        ),
      ),
    )) as unknown as Readable;
    this.firstConnectedAt ??= BigInt(Date.now()) * 1_000_000n;
    onOpen();
    this.setState('connected');
    const splitter = new JsonLineSplitter();
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => {
        for (const line of splitter.push(chunk)) this.deliver(line);
      });
      stream.on('end', resolve);
      stream.on('error', reject);
      stream.on('close', resolve);
    });
  }

  private deliver(line: string): void {
    let event: DockerEvent;
    try {
      event = parseDockerEvent(line);
    } catch (err) {
      this.logger.warn(`Docker event stream: skipped an unreadable line: ${message(err)}`);
      return;
    }
    // One connection delivers in time order, so an older event is a replay after a reconnect.
    if (this.lastSeen !== undefined) {
      if (event.timeNano < this.lastSeen) return;
      if (event.timeNano === this.lastSeen && this.seenAtLast.has(line)) return;
    }
    if (this.lastSeen === undefined || event.timeNano > this.lastSeen) {
      this.lastSeen = event.timeNano;
      this.seenAtLast.clear();
    }
    this.seenAtLast.add(line);
    try {
      this.options.onEvent(event);
    } catch (err) {
      // A consumer bug must not tear down the stream for everyone; report it and go on.
      this.logger.warn(
        `Docker event handler failed on ${event.type} ${event.action}: ${message(err)}`,
      );
    }
  }

  private setState(state: EventStreamState, reason?: unknown): void {
    if (state === this.state) return;
    this.state = state;
    if (state === 'connected') {
      this.logger.info(`Docker event stream connected to ${this.host.description}`);
    } else {
      this.logger.warn(
        `Docker event stream to ${this.host.description} lost: ${message(reason)}; reconnecting`,
      );
    }
    this.options.onStateChange?.(state);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
