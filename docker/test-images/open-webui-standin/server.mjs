// Stands in for Open WebUI (a PyPI package, not installable here) where AgentPod meets it: the
// environment it reads, its data folder, GET /health and /ready, sign-in, and the socket.io
// endpoint at /ws/socket.io (Engine.IO v4 over WebSocket). Behaviour follows open-webui v0.10.2.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';

const env = process.env;
const port = Number(env.PORT ?? 8080);
const dataDir = env.DATA_DIR ?? '/app/backend/data';

// start.sh: without WEBUI_SECRET_KEY a key is generated into a file next to the code, which a
// non-root user of the official (root-owned) image cannot write.
if (!env.WEBUI_SECRET_KEY) {
  writeFileSync('.webui_secret_key', randomBytes(24).toString('base64'));
}

// The database. Settings are seeded from the environment on the first start only (config.py's
// PersistentConfig), and the admin is created from WEBUI_ADMIN_* only while there is no user;
// Open WebUI then turns sign-up off (main.py's lifespan).
const dbFile = join(dataDir, 'webui.db');
mkdirSync(dataDir, { recursive: true });
const sha256 = (text) => createHash('sha256').update(text).digest();
let db;
try {
  db = JSON.parse(readFileSync(dbFile, 'utf8'));
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
  db = {
    config: {
      'webui.url': env.WEBUI_URL ?? '',
      'ui.enable_signup': (env.ENABLE_SIGNUP ?? 'true') === 'true',
      'ui.default_user_role': env.DEFAULT_USER_ROLE ?? 'pending',
      'openai.api_base_urls': (env.OPENAI_API_BASE_URLS ?? '').split(';'),
    },
    users: [],
    starts: 0,
  };
  if (env.WEBUI_ADMIN_EMAIL && env.WEBUI_ADMIN_PASSWORD) {
    db.users.push({
      email: env.WEBUI_ADMIN_EMAIL.toLowerCase(),
      name: env.WEBUI_ADMIN_NAME ?? 'Admin',
      role: 'admin',
      passwordSha256: sha256(env.WEBUI_ADMIN_PASSWORD).toString('hex'),
    });
    db.config['ui.enable_signup'] = false;
  }
}
db.starts += 1;
writeFileSync(dbFile, `${JSON.stringify(db, null, 2)}\n`);

/** uvicorn's proxy headers: X-Forwarded-For/-Proto count only from FORWARDED_ALLOW_IPS. */
function clientOf(req) {
  const peer = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
  const trusted = (env.FORWARDED_ALLOW_IPS ?? '127.0.0.1').split(',').map((a) => a.trim());
  if (!trusted.includes('*') && !trusted.includes(peer)) {
    return { peer, client: peer, scheme: 'http' };
  }
  const hops = String(req.headers['x-forwarded-for'] ?? peer).split(',');
  const scheme = String(req.headers['x-forwarded-proto'] ?? 'http');
  return { peer, client: hops[hops.length - 1].trim(), scheme };
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function signIn(req, res) {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    let form;
    try {
      form = JSON.parse(body);
    } catch {
      return send(res, 422, { detail: 'invalid JSON' });
    }
    const user = db.users.find((u) => u.email === String(form.email ?? '').toLowerCase());
    const given = sha256(String(form.password ?? ''));
    if (!user || !timingSafeEqual(given, Buffer.from(user.passwordSha256, 'hex'))) {
      return send(res, 400, { detail: 'The email or password provided is incorrect.' });
    }
    send(res, 200, { token: randomBytes(16).toString('hex'), email: user.email, role: user.role });
  });
}

const server = http.createServer((req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://standin');
  if (req.method === 'GET' && (pathname === '/health' || pathname === '/ready')) {
    return send(res, 200, { status: true });
  }
  if (req.method === 'GET' && pathname === '/api/config') {
    return send(res, 200, {
      status: true,
      name: 'Open WebUI (stand-in)',
      features: { auth: true, enable_signup: db.config['ui.enable_signup'] },
    });
  }
  if (req.method === 'POST' && pathname === '/api/v1/auths/signin') return signIn(req, res);
  // Not Open WebUI's: what the stand-in made of the request, for tests of the proxy headers.
  if (req.method === 'GET' && pathname === '/standin/request') return send(res, 200, clientOf(req));
  send(res, 404, { detail: 'Not Found' });
});

// python-socketio at /ws/socket.io; python-engineio refuses origins outside CORS_ALLOW_ORIGIN.
const wss = new WebSocketServer({ noServer: true });
const allowed = (env.CORS_ALLOW_ORIGIN ?? '*').split(';');
server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url ?? '/', 'http://standin');
  const refuse = (status, reason) => {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  };
  if (url.pathname.replace(/\/$/, '') !== '/ws/socket.io') return refuse(404, 'Not Found');
  if (url.searchParams.get('EIO') !== '4' || url.searchParams.get('transport') !== 'websocket') {
    return refuse(400, 'Bad Request');
  }
  const origin = req.headers.origin;
  if (origin && !allowed.includes('*') && !allowed.includes(origin)) {
    return refuse(400, 'Bad Request');
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const open = { sid: randomBytes(10).toString('base64url'), upgrades: [] };
    ws.send(
      `0${JSON.stringify({ ...open, pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000 })}`,
    );
    ws.on('message', (data) => {
      const packet = String(data);
      if (packet.startsWith('2')) ws.send(`3${packet.slice(1)}`);
    });
  });
});

server.listen(port, '0.0.0.0', () => {
  console.log(`Open WebUI stand-in listening on ${port}, DATA_DIR ${dataDir}, start ${db.starts}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
