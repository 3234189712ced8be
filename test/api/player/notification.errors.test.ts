import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asUser, call, postJson } from '../../helpers';
import { player, PLAYER } from './helpers';

describe('reference/player-api.md POST …/notification', () => {
  it('stores nothing when any entry is invalid, answering 422 with every problem', async () => {
    const p = await player();
    const server = await asUser({ sub: 'server', project: p.project, permissions: ['notification:player:write'] });
    const res = await postJson(`${PLAYER}/${p.id}/notification`, { notifications: [{ message: 'fine' }, { message: 'x'.repeat(4097) }, { rh_url: '' }] }, server);
    expect(res.status).toBe(422);
    const { detail } = (await res.json()) as { detail: { loc: unknown[]; type: string }[] };
    expect(detail).toEqual(
      expect.arrayContaining([
        { loc: ['body', 'notifications', 1, 'message'], msg: expect.any(String), type: 'string_too_long' },
        { loc: ['body', 'notifications', 2, 'message'], msg: 'Field required', type: 'missing' },
        { loc: ['body', 'notifications', 2, 'rh_url'], msg: expect.any(String), type: 'string_too_short' },
      ]),
    );
    const count = await env.DB.prepare('SELECT count(*) AS n FROM notifications WHERE project_id = ?').bind(p.project).first<{ n: number }>();
    expect(count!.n).toBe(0);
    const empty = await postJson(`${PLAYER}/${p.id}/notification`, {}, server);
    expect(empty.status).toBe(422);
    expect(((await empty.json()) as { detail: unknown[] }).detail[0]).toEqual({ loc: ['body', 'notifications'], msg: 'Field required', type: 'missing' });
  });

  it('answers a body that is not JSON, or not of JSON’s media type, with 422 located at the body', async () => {
    const p = await player();
    const server = await asUser({ sub: 'server', project: p.project, permissions: ['notification:player:write'] });
    const malformed = await call(`${PLAYER}/${p.id}/notification`, { method: 'POST', headers: { ...server, 'content-type': 'application/json' }, body: '{"notifications": [' });
    expect(malformed.status).toBe(422);
    expect(await malformed.json()).toEqual({ detail: [{ loc: ['body'], msg: 'The request body is not valid JSON', type: 'json_invalid' }] });
    const text = await call(`${PLAYER}/${p.id}/notification`, { method: 'POST', headers: { ...server, 'content-type': 'text/plain' }, body: 'hello' });
    expect(text.status).toBe(422);
    expect(((await text.json()) as { detail: { loc: unknown[] }[] }).detail[0]!.loc).toEqual(['body']);
  });
});
