export * from './adapter.js';
export * from './ids.js';
export * from './pod.js';
export * from './subdomain.js';
export * from './tenant.js';
