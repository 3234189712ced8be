import { describe, expect, it } from 'vitest';
import { call } from '../helpers';

describe('GET /openapi.json', () => {
  it('describes every dialect, the push channels included', async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/client/notifications',
        '/api/v1/client/notifications/stream',
        '/api/v1/client/notifications/ws',
        '/notification/v1/player/{player_uuid}/stream/notification/lp',
        '/api/notifications/system',
        '/api/v1/project/{project_id}/notifications',
        '/v1/projects/{project}/notifications',
      ]),
    );
    expect(Object.keys(doc.paths['/api/v1/client/notifications/stream']!)).toEqual(['get']);
  });
});
