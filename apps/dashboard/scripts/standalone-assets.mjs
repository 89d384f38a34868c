// `next build` leaves the static assets out of the standalone server's folder (a CDN may serve
// them); this server serves them itself, so copy them in beside server.js.
import { cpSync, existsSync } from 'node:fs';

const target = '.next/standalone/apps/dashboard';
cpSync('.next/static', `${target}/.next/static`, { recursive: true });
if (existsSync('public')) cpSync('public', `${target}/public`, { recursive: true });
