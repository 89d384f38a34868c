/**
 * The lines of a newline-delimited stream (application/x-ndjson), in any chunking, until the
 * stream ends or `signal` aborts. Reads with a reader rather than async iteration, which not
 * every browser supports on a response body. Stopping cancels the stream, so the server sees
 * the connection close.
 */
export async function* ndjsonLines(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const reader = body.getReader();
  // A pending read ends (done) when the reader is cancelled, even if the fetch ignored `signal`.
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', cancel, { once: true });
  const decoder = new TextDecoder();
  let pending = '';
  try {
    while (!signal?.aborted) {
      const { done, value } = await reader.read();
      pending += done ? decoder.decode() : decoder.decode(value, { stream: true });
      const lines = pending.split('\n');
      pending = done ? '' : (lines.pop() ?? '');
      for (const line of lines) if (line.trim() !== '') yield line;
      if (done) return;
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
    cancel();
  }
}
