// A TCP relay between one control plane and PostgreSQL that a test can cut off the way a
// network does: `freeze()` stops forwarding in both directions without closing anything (no
// FIN, no RST: both ends keep waiting), `dropServerSide()` then closes the server's side of
// every connection (the server sees its clients go and releases their locks) and the client's,
// and `heal()` ends the cut: until then, new connections are as silent as the old ones were.
import { connect, createServer, type Server, type Socket } from 'node:net';

export class PostgresRelay {
  private server: Server | undefined;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private frozen = false;
  port = 0;

  constructor(private readonly upstream: { host: string; port: number }) {}

  /** `url` with its host and port replaced by the relay's. */
  urlFor(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  async start(): Promise<void> {
    const server = createServer((client) => this.relay(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
  }

  freeze(): void {
    this.frozen = true;
  }

  /** Closes both sides of every connection made so far; the cut itself goes on. */
  dropServerSide(): void {
    for (const { client, upstream } of this.pairs) {
      upstream.destroy();
      client.destroy();
    }
    this.pairs.clear();
  }

  /** Forwards again, for connections made from now on. */
  heal(): void {
    this.frozen = false;
  }

  async stop(): Promise<void> {
    this.heal();
    this.dropServerSide();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private relay(client: Socket): void {
    const upstream = connect(this.upstream.port, this.upstream.host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    // While frozen, bytes vanish and closes are not passed on: a silent network, not a broken one.
    client.on('data', (chunk) => {
      if (!this.frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!this.frozen) client.write(chunk);
    });
    const close = () => {
      if (this.frozen) return;
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    for (const socket of [client, upstream]) {
      socket.on('close', close);
      socket.on('end', close);
      socket.on('error', () => {});
    }
  }
}
