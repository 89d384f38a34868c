export * from './adapter.js';
export * from './api.js';
export * from './api-error.js';
export * from './client.js';
export * from './ids.js';
export * from './pod.js';
export * from './subdomain.js';
export * from './tenant.js';
