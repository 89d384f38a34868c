// Typed failures of the Docker layer. Callers branch on the class (a 404 on delete is "already
// gone", a 409 on create is "someone else made it"), never on message text, so every error that
// leaves runtime/ is one of these. They are AgentPodErrors, so the API maps them in its one place.
import { AgentPodError } from '../errors.js';

export class DockerError extends AgentPodError {
  /** What we were doing, e.g. `container.start`: the daemon's own message rarely says. */
  readonly op: string;
  /** The HTTP status the daemon answered with, when it answered at all. */
  readonly statusCode: number | undefined;

  constructor(
    op: string,
    message: string,
    options: { cause?: unknown; statusCode?: number; code?: string } = {},
  ) {
    super(options.code ?? 'docker_error', `${op}: ${message}`, { cause: options.cause });
    this.op = op;
    this.statusCode = options.statusCode;
  }
}

export class DockerNotFoundError extends DockerError {
  constructor(op: string, message: string, options: { cause?: unknown; statusCode?: number } = {}) {
    super(op, message, { ...options, code: 'docker_not_found' });
  }
}

/** Name already in use, container running, volume in use, ... */
export class DockerConflictError extends DockerError {
  constructor(op: string, message: string, options: { cause?: unknown; statusCode?: number } = {}) {
    super(op, message, { ...options, code: 'docker_conflict' });
  }
}

/** The daemon could not be reached at all: nothing we asked for happened. */
export class DockerUnavailableError extends DockerError {
  readonly address: string;
  readonly errno: string;

  constructor(op: string, address: string, errno: string, cause: unknown) {
    super(op, `Docker is unreachable at ${address} (${errno}): ${advice(errno)}`, {
      cause,
      code: 'docker_unavailable',
    });
    this.address = address;
    this.errno = errno;
  }
}

export class DockerTimeoutError extends DockerError {
  readonly timeoutMs: number;

  constructor(op: string, timeoutMs: number) {
    super(op, `no answer from Docker within ${timeoutMs} ms`, { code: 'docker_timeout' });
    this.timeoutMs = timeoutMs;
  }
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function advice(code: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no socket at that path; start the Docker daemon or point the Docker host setting at its socket';
    case 'EACCES':
      return 'permission denied on the socket; run as a user in the docker group or fix the socket permissions';
    case 'ECONNREFUSED':
      return 'nothing is listening there; start the Docker daemon or check the Docker host setting';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the daemon dropped the connection (restarting?); retry once it is back';
    default:
      return 'the host cannot be resolved or reached; check the Docker host setting and the network';
  }
}

/**
 * The kernel's answer when a bridge already has its most ports (BR_MAX_PORTS is 1,024, port 0
 * unused: 1,023 containers, measured here): Docker passes it on from adding the container's veth.
 */
const BRIDGE_FULL = /adding interface \S+ to bridge \S+ failed: exchange full/;
const BRIDGE_FULL_ADVICE =
  "the network is full: a Linux bridge holds at most 1,023 containers, and all of an installation's pods share one; delete pods, or run more on another host";

interface ModemErrorShape {
  statusCode?: unknown;
  code?: unknown;
  json?: unknown;
  message?: unknown;
}

/** The daemon's own explanation: docker-modem keeps the parsed body in `json`. */
function daemonMessage(err: ModemErrorShape): string {
  const json = err.json;
  if (json && typeof json === 'object' && 'message' in json && typeof json.message === 'string') {
    return json.message;
  }
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString('utf8').trim();
  return typeof err.message === 'string' ? err.message : String(err);
}

/**
 * Maps a dockerode / docker-modem failure to a typed error. `address` names the Docker host in
 * "unreachable" messages. Anything we cannot name stays a plain DockerError with the original as
 * `cause`: never swallowed, never guessed into a more specific class.
 */
export function toDockerError(op: string, err: unknown, address = 'the Docker host'): DockerError {
  if (err instanceof DockerError) return err;
  const shape: ModemErrorShape = err && typeof err === 'object' ? err : { message: String(err) };
  const statusCode = typeof shape.statusCode === 'number' ? shape.statusCode : undefined;
  if (statusCode !== undefined) {
    const message = daemonMessage(shape);
    if (statusCode === 404) return new DockerNotFoundError(op, message, { cause: err, statusCode });
    if (statusCode === 409) return new DockerConflictError(op, message, { cause: err, statusCode });
    if (BRIDGE_FULL.test(message)) {
      return new DockerError(op, `${message}: ${BRIDGE_FULL_ADVICE}`, {
        cause: err,
        statusCode,
        code: 'docker_network_full',
      });
    }
    return new DockerError(op, message, { cause: err, statusCode });
  }
  if (typeof shape.code === 'string' && UNAVAILABLE_CODES.has(shape.code)) {
    return new DockerUnavailableError(op, address, shape.code, err);
  }
  return new DockerError(op, daemonMessage(shape), { cause: err });
}

/**
 * The daemon did not answer at all (a deadline passed, or no connection): nothing can be
 * concluded about what exists, so such an error must never be read as "not there".
 */
export function isDockerNotAnswering(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DockerTimeoutError || e instanceof DockerUnavailableError) return true;
  }
  return false;
}

/** Runs `fn`; a 404 ("no such ...") becomes null, everything else propagates. */
export async function ignoreNotFound<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DockerNotFoundError) return null;
    throw err;
  }
}
