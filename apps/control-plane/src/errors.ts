/**
 * Errors with stable codes. Domain code throws these; the API maps them to HTTP statuses in
 * one place (api/errors.ts) and the CLI prints their message as one line.
 */
export class AgentPodError extends Error {
  constructor(
    /** Stable, machine-readable: clients branch on it, so never rename one. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Something the control plane needs at start is missing or wrong; the message says what to do. */
export class StartupError extends AgentPodError {}

export class NotFoundError extends AgentPodError {
  constructor(what: string, id: string) {
    super(`${what}_not_found`, `${what} ${id} does not exist`);
  }
}

export class ConflictError extends AgentPodError {}

export class ValidationError extends AgentPodError {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super('validation_failed', message);
  }
}
