import { DatabaseUnavailableError } from '../db/errors.js';
import {
  AgentPodError,
  ConflictError,
  NotFoundError,
  StartupError,
  ValidationError,
} from '../errors.js';
import {
  DockerConflictError,
  DockerNotFoundError,
  DockerTimeoutError,
  DockerUnavailableError,
} from '../runtime/index.js';

/** RFC 9457 problem details, with AgentPod's stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: { path: string; message: string }[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function problem(
  status: number,
  code: string,
  detail: string,
  errors?: Problem['errors'],
): Problem {
  return {
    type: `https://agentpod.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...(errors && errors.length > 0 && { errors }),
  };
}

/** The one place where domain errors become HTTP statuses. */
export function statusFor(err: AgentPodError): number {
  if (err instanceof ValidationError) return 400;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof DockerNotFoundError) return 404;
  if (err instanceof DockerConflictError) return 409;
  if (err instanceof DockerUnavailableError) return 503;
  if (err instanceof DatabaseUnavailableError) return 503;
  if (err instanceof DockerTimeoutError) return 504;
  if (err instanceof StartupError) return 503;
  switch (err.code) {
    case 'unauthorized':
    case 'token_expired':
      return 401;
    case 'rate_limited':
      return 429;
    // The managed proxy's admin API is not answering (restarting, or gone): try again later.
    case 'proxy_unavailable':
      return 503;
    case 'forbidden':
      return 403;
    case 'capability_missing':
      return 422;
    default:
      return 500;
  }
}

export class UnauthorizedError extends AgentPodError {
  constructor(detail = 'a valid bearer token is required') {
    super('unauthorized', detail);
  }
}

export class TokenExpiredError extends AgentPodError {
  constructor() {
    super('token_expired', 'the API token has expired; create a new one (agentpod token create)');
  }
}

/** Too many refused credentials from one client address; Retry-After says when to try again. */
export class RateLimitedError extends AgentPodError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'rate_limited',
      `too many failed authentications from this address; retry in ${retryAfterSeconds} s`,
    );
  }
}

/** The pod's adapter does not have the optional power the route needs. */
export class CapabilityMissingError extends AgentPodError {
  constructor(agentType: string, capability: string) {
    super('capability_missing', `agent type ${agentType} does not support ${capability}`);
  }
}
