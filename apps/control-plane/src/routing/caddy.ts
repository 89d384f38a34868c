// Caddy as the proxy: a whole JSON config rendered from the routes (pure) and pushed through
// Caddy's admin API. Each push replaces the config, so Caddy holds exactly the routes we render.
import http from 'node:http';
import type { Route } from './routes.js';

export interface CaddyOptions {
  /** Where the admin API listens, e.g. `127.0.0.1:2019`. Part of the config: a push can move it. */
  adminListen: string;
  httpsPort: number;
  /** 0: no HTTP listener at all, so no HTTP->HTTPS redirects. */
  httpPort: number;
  /** `internal`: certificates from Caddy's own local CA (tests, private installs). */
  tls: { issuer: 'internal' } | { issuer: 'acme'; email: string };
  /** The address the HTTPS listener binds; all interfaces when omitted. */
  listenHost?: string;
}

export const CADDY_SERVER_NAME = 'srv0';

/** A complete Caddy 2.6 config that routes each host to its pod. */
export function renderCaddyConfig(routes: Route[], opts: CaddyOptions) {
  const hosts = routes.map((r) => r.host);
  const issuer =
    opts.tls.issuer === 'internal'
      ? { module: 'internal' }
      : { module: 'acme', email: opts.tls.email };
  return {
    admin: {
      listen: opts.adminListen,
      // The control plane pushes the full config on start and on every change; an autosaved
      // copy could only bring back routes to pods that are gone.
      config: { persist: false },
    },
    apps: {
      http: {
        https_port: opts.httpsPort,
        ...(opts.httpPort ? { http_port: opts.httpPort } : {}),
        servers: {
          [CADDY_SERVER_NAME]: {
            listen: [`${hostPart(opts.listenHost ?? '')}:${opts.httpsPort}`],
            routes: routes.map((route) => ({
              match: [{ host: [route.host] }],
              handle: [
                {
                  handler: 'reverse_proxy',
                  upstreams: [
                    { dial: `${hostPart(route.upstream.address)}:${route.upstream.port}` },
                  ],
                },
              ],
              terminal: true,
            })),
            // Always TLS, even with no routes: otherwise Caddy would serve plain HTTP on the
            // HTTPS port whenever the last pod stops.
            tls_connection_policies: [{}],
            ...(opts.httpPort ? {} : { automatic_https: { disable_redirects: true } }),
          },
        },
      },
      tls: {
        automation: {
          // Certificates are obtained up front for the known hosts; never on demand, so a
          // stranger's SNI cannot make Caddy issue anything.
          policies: hosts.length > 0 ? [{ subjects: hosts, issuers: [issuer] }] : [],
        },
      },
      // Caddy would otherwise try to add its root to this machine's trust store.
      ...(opts.tls.issuer === 'internal'
        ? { pki: { certificate_authorities: { local: { install_trust: false } } } }
        : {}),
    },
  };
}

function hostPart(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

export class CaddyAdminError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CaddyAdminError';
  }
}

/** A client for Caddy's admin API; every call has a deadline. */
export class CaddyAdmin {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;

  constructor(adminUrl: string, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}) {
    this.#baseUrl = adminUrl.replace(/\/+$/, '');
    this.#timeoutMs = timeoutMs;
  }

  /** Replaces Caddy's whole config. Caddy keeps the previous one when the new one is refused. */
  async load(config: unknown): Promise<void> {
    await this.#request('POST', '/load', JSON.stringify(config));
  }

  async getConfig(): Promise<unknown> {
    return JSON.parse(await this.#request('GET', '/config/'));
  }

  /**
   * The local CA's root certificate (PEM), for clients that must trust the internal issuer.
   * Caddy 2.6 answers this with an empty reply after a refused `load` until another config is
   * loaded, so this throws then.
   */
  async rootCertificate(): Promise<string> {
    const body: unknown = JSON.parse(await this.#request('GET', '/pki/ca/local'));
    const pem = (body as { root_certificate?: unknown } | null)?.root_certificate;
    if (typeof pem !== 'string' || !pem.includes('BEGIN CERTIFICATE')) {
      throw new CaddyAdminError('GET /pki/ca/local: no root_certificate in the answer', 200);
    }
    return pem;
  }

  /**
   * One request on a fresh connection. Caddy restarts its admin server on every config load
   * (and again when it rolls a refused one back), closing kept-alive connections under the
   * client: reusing one then fails with "other side closed". A new connection per call is
   * cheap at this rate and cannot be stale.
   */
  #request(method: 'GET' | 'POST', path: string, body?: string): Promise<string> {
    const what = `${method} ${path}`;
    return new Promise((resolve, reject) => {
      const fail = (reason: string, cause?: unknown) =>
        reject(new CaddyAdminError(`Caddy admin ${what}: ${reason}`, undefined, { cause }));
      const req = http.request(
        `${this.#baseUrl}${path}`,
        {
          method,
          agent: false,
          timeout: this.#timeoutMs,
          headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('error', (err) => fail(String(err), err));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(text);
            else
              reject(
                new CaddyAdminError(`Caddy admin ${what}: ${status} ${caddyMessage(text)}`, status),
              );
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)));
      req.on('error', (err) => fail(err.message, err));
      req.end(body);
    });
  }
}

/** Caddy's admin errors are `{"error": "..."}`; anything else is passed on as text. */
function caddyMessage(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    const message = (parsed as { error?: unknown } | null)?.error;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON: the raw text is the message.
  }
  return text.trim();
}
