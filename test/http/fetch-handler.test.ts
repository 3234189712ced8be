import { describe, expect, it } from 'vitest';
import { dialectOf } from '../../src/api/mounts';
import { pathOf } from '../../src/fetch-handler';

// The Worker's first step: which dialect's routes a request needs (each is built on its first request).

describe('routing a request to its dialect', () => {
  it('reads the path as URL would', () => {
    for (const url of [
      'http://inbox.test/api/v1/client/notifications?x=1',
      'https://a.example:8443/v1/projects/p/notifications#frag',
      'http://inbox.test',
      'http://inbox.test/?q=/api',
      'http://inbox.test/notification/v1/player/me/notification',
      'http://inbox.test/api/users/u/notifications%2Fx?a=b#c',
    ]) {
      expect(pathOf(url), url).toBe(new URL(url).pathname);
    }
  });

  it('finds the dialect by its base, the longer bases first', () => {
    expect(dialectOf('/api/v1/client/notifications')).toBe('client');
    expect(dialectOf('/api/v1/client/notifications/stream')).toBe('client');
    expect(dialectOf('/notification/v1/player/me/notification')).toBe('player');
    expect(dialectOf('/api/v1/project/p/notifications')).toBe('project');
    expect(dialectOf('/api/users/u/notifications')).toBe('audience');
    expect(dialectOf('/v1/projects')).toBe('producer');
    expect(dialectOf('/openapi.json')).toBeUndefined();
    expect(dialectOf('/api-docs')).toBeUndefined();
  });
});
