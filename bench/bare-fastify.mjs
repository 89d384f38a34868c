// The limit for P5: a bare Fastify route serving the same bytes from memory as AgentPod's
// answers. Run as its own process, like the control plane; prints its URL when listening.
//   node bench/bare-fastify.mjs <json file: { "/path": "<body>", ... }>

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../apps/control-plane/package.json', import.meta.url));
const Fastify = require('fastify');

const bodies = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const app = Fastify({ logger: false });
for (const [path, body] of Object.entries(bodies)) {
  app.get(path, (_req, reply) => reply.type('application/json; charset=utf-8').send(body));
}
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(JSON.stringify({ url }));
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
