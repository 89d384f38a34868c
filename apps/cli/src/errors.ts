/** A mistake in how the command was called; its message says what to do instead. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
