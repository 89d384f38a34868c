// A tiny HTTP + WebSocket echo server for fast tests of the Docker layer and the proxy.
// HTTP: GET /healthz -> 200 {"ok":true}; any other path -> 200 JSON describing the request.
// WebSocket: every message is sent back unchanged.
import http from 'node:http';
import os from 'node:os';
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT ?? 8080);

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      hostname: os.hostname(),
      method: req.method,
      url: req.url,
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
    }),
  );
});

const wss = new WebSocketServer({ server });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});

server.listen(port, '0.0.0.0', () => {
  console.log(`echo listening on ${port}`);
  console.error('echo ready (stderr)');
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
