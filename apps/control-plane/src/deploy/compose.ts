// docker/docker-compose.yml, the production deployment on one Docker host, as data: PostgreSQL,
// the control plane, the dashboard and Traefik. compose.test.ts checks it against the Compose and Traefik
// schemas and that the committed YAML is exactly its rendering. Pure: nothing here runs.
import { TRAEFIK_ACME_DIR, traefikCommandLine, traefikStaticConfig } from '../routing/traefik.js';

export const CONTROL_PLANE_IMAGE = 'agentpod/control-plane:0.1.0';
export const DASHBOARD_IMAGE = 'agentpod/dashboard:0.1.0';
const POSTGRES_IMAGE = 'postgres:17.10-bookworm';
const TRAEFIK_IMAGE = 'traefik:v3.7.13';

/** A Compose variable from docker/.env; Compose refuses to start while it is unset or empty. */
const required = (name: string) => `\${${name}:?set ${name} in docker/.env}`;
const withDefault = (name: string, value: string) => `\${${name}:-${value}}`;
const API_PORT = withDefault('AGENTPOD_PORT', '8080');
const DB_PORT = withDefault('AGENTPOD_DB_PORT', '5433');
/** The dashboard's loopback port: Traefik routes console.<base domain> to it. */
const DASHBOARD_ADDRESS = '127.0.0.1:3000';

/** The image's own health check (docker/control-plane/Dockerfile), repeated so it is visible. */
export const CONTROL_PLANE_HEALTHCHECK = [
  'node',
  '-e',
  "fetch('http://127.0.0.1:'+(process.env.AGENTPOD_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))",
];

/** The dashboard image's own health check (docker/dashboard/Dockerfile), repeated likewise. */
export const DASHBOARD_HEALTHCHECK = [
  'node',
  '-e',
  "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))",
];

// Traefik's /ping gets its own loopback entry point: the default one (`traefik`, :8080) would
// take the control plane's port, as both share the host network.
const traefikPing = {
  entryPoints: { ping: { address: '127.0.0.1:8082' } },
  ping: { entryPoint: 'ping' },
};

const traefikBase = traefikStaticConfig({
  providerUrl: `http://127.0.0.1:${API_PORT}/api/v1/proxy/traefik`,
  providerToken: required('AGENTPOD_PROXY_TOKEN'),
  acmeEmail: required('AGENTPOD_ACME_EMAIL'),
  certResolver: 'letsencrypt',
  challenge: 'http',
});

export const traefikStatic = {
  ...traefikBase,
  entryPoints: { ...traefikBase.entryPoints, ...traefikPing.entryPoints },
  ping: traefikPing.ping,
};

const healthTiming = { interval: '10s', timeout: '5s', retries: 3, start_period: '30s' };

export const composeProject = {
  services: {
    postgres: {
      image: POSTGRES_IMAGE,
      restart: 'unless-stopped',
      environment: {
        POSTGRES_USER: 'agentpod',
        POSTGRES_DB: 'agentpod',
        POSTGRES_PASSWORD: required('POSTGRES_PASSWORD'),
      },
      volumes: ['postgres-data:/var/lib/postgresql/data'],
      // Loopback only: the control plane reaches it from the host network, nothing else should.
      ports: [`127.0.0.1:${DB_PORT}:5432`],
      healthcheck: {
        test: ['CMD', 'pg_isready', '-U', 'agentpod', '-d', 'agentpod'],
        ...healthTiming,
        interval: '5s',
      },
    },
    'control-plane': {
      build: { context: '..', dockerfile: 'docker/control-plane/Dockerfile' },
      image: CONTROL_PLANE_IMAGE,
      restart: 'unless-stopped',
      // Its health prober reaches each pod at its address on the pod's own bridge network.
      network_mode: 'host',
      // The network filter (AGENTPOD_NETWORK_POLICY) writes the host's iptables rules.
      cap_add: ['NET_ADMIN'],
      depends_on: { postgres: { condition: 'service_healthy' } },
      environment: {
        DATABASE_URL: `postgres://agentpod:${required('POSTGRES_PASSWORD')}@127.0.0.1:${DB_PORT}/agentpod`,
        AGENTPOD_SECRET_KEY: required('AGENTPOD_SECRET_KEY'),
        AGENTPOD_BASE_DOMAIN: required('AGENTPOD_BASE_DOMAIN'),
        AGENTPOD_ACME_EMAIL: required('AGENTPOD_ACME_EMAIL'),
        // Traefik polls the routes; the control plane runs no proxy of its own.
        AGENTPOD_PROXY: 'traefik',
        AGENTPOD_PROXY_TOKEN: required('AGENTPOD_PROXY_TOKEN'),
        // Traefik reaches the API on loopback; it is not published on the host's interfaces.
        AGENTPOD_HOST: '127.0.0.1',
        AGENTPOD_PORT: API_PORT,
        // The dashboard, served through the same proxy at console.<base domain>.
        AGENTPOD_CONSOLE_UPSTREAM: DASHBOARD_ADDRESS,
      },
      volumes: ['/var/run/docker.sock:/var/run/docker.sock', 'agentpod-data:/data'],
      healthcheck: { test: ['CMD', ...CONTROL_PLANE_HEALTHCHECK], ...healthTiming },
    },
    dashboard: {
      build: { context: '..', dockerfile: 'docker/dashboard/Dockerfile' },
      image: DASHBOARD_IMAGE,
      restart: 'unless-stopped',
      // Host network like the control plane: it reaches the API on loopback, Traefik reaches it
      // there too, and nothing is published on the host's interfaces.
      network_mode: 'host',
      depends_on: { 'control-plane': { condition: 'service_healthy' } },
      environment: {
        AGENTPOD_API_URL: `http://127.0.0.1:${API_PORT}`,
        HOSTNAME: DASHBOARD_ADDRESS.split(':')[0],
        PORT: DASHBOARD_ADDRESS.split(':')[1],
      },
      healthcheck: { test: ['CMD', ...DASHBOARD_HEALTHCHECK], ...healthTiming },
    },
    traefik: {
      image: TRAEFIK_IMAGE,
      restart: 'unless-stopped',
      // Pods see Traefik as their network's gateway, the one proxy address OpenClaw trusts.
      network_mode: 'host',
      command: traefikCommandLine(traefikStatic),
      volumes: [`traefik-acme:${TRAEFIK_ACME_DIR}`],
      healthcheck: {
        // `traefik healthcheck` reads no running config: it is told where /ping is.
        test: ['CMD', 'traefik', 'healthcheck', ...traefikCommandLine(traefikPing)],
        ...healthTiming,
      },
    },
  },
  volumes: { 'postgres-data': {}, 'agentpod-data': {}, 'traefik-acme': {} },
};
