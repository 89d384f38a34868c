import { describe, expect, it } from 'vitest';
import { auditAction } from './audit.js';

describe('auditAction', () => {
  it.each([
    ['POST', '/api/v1/pods', '/api/v1/pods', 'pod.create'],
    ['PATCH', '/api/v1/pods/:id', '/api/v1/pods/pod_x', 'pod.update'],
    ['DELETE', '/api/v1/pods/:id', '/api/v1/pods/pod_x', 'pod.delete'],
    ['POST', '/api/v1/pods/:id/access-link', '/api/v1/pods/pod_x/access-link', 'pod.access_link'],
    ['POST', '/api/v1/pods/:id/gateway-token/rotate', '/x', 'pod.gateway_token_rotate'],
    ['POST', '/api/v1/pods/:id/devices/:requestId/approve', '/x', 'pod.devices_approve'],
    ['PUT', '/api/v1/registries/:registry', '/x', 'registry.put'],
    ['POST', '/api/v1/tokens', '/api/v1/tokens', 'token.create'],
    ['DELETE', '/api/v1/tokens/:id', '/x', 'token.revoke'],
    ['POST', '/api/v1/setup', '/api/v1/setup', 'operator.setup'],
    ['POST', '/api/auth/*', '/api/auth/sign-in/email', 'operator.sign_in'],
    ['POST', '/api/auth/*', '/api/auth/sign-out?x=1', 'operator.sign_out'],
    ['GET', '/api/v1/tenants', '/api/v1/tenants', 'tenant.read'],
    ['GET', undefined, '/nowhere', 'route.unknown'],
  ])('%s %s is %s', (method, route, path, action) => {
    expect(auditAction(method, route, path)).toBe(action);
  });
});
