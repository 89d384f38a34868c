/** A mistake in how the command was called; its message says what to do instead. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command ran, and what it found is a failure (a pod that did not get healthy). */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed';
}
