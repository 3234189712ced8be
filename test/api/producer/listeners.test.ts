import { describe, expect, it } from 'vitest';
import { ADMIN, asUser, call, freshProject, until } from '../../helpers';
import { SseClient, WsClient } from '../client/stream-helpers';

// GET /v1/projects/{project}/users/{user}/listeners: how many listeners a user holds, and the account
// their Durable Object keeps of its billable time (README "Real-time: what waiting costs").

interface Listeners {
  user: string;
  listeners: number;
  object: { started_at: string; busy_ms: number; requests: number; socket_events: number };
}

const read = async (project: string, user: string, headers = ADMIN) => {
  const res = await call(`/v1/projects/${project}/users/${encodeURIComponent(user)}/listeners`, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as Listeners;
};

describe('producer API: a user’s listeners', () => {
  it('counts the user’s listeners and shows their object’s account, which stands still while they wait', async () => {
    const { id: project, key } = await freshProject('ls');
    const user = 'player one';
    const none = await read(project, user, key);
    expect(none).toEqual({ user, listeners: 0, object: { started_at: expect.any(String), busy_ms: expect.any(Number), requests: 0, socket_events: 0 } });
    expect(new Date(none.object.started_at).toISOString()).toBe(none.object.started_at);

    const headers = await asUser({ sub: user, project });
    const sse = await SseClient.open('', headers);
    const ws = await WsClient.open('', headers);
    await Promise.all([sse.next(), ws.next()]);
    const waiting = await read(project, user);
    expect(waiting.listeners).toBe(2);
    // Two socket upgrades; reading is not counted.
    expect(waiting.object.requests).toBe(2);
    expect(waiting.object.socket_events).toBe(0);
    expect(waiting.object.started_at).toBe(none.object.started_at);
    // While they wait, reading again finds the account where it was.
    expect(await read(project, user)).toEqual(waiting);

    await sse.close();
    ws.close();
    await until(async () => (await read(project, user)).listeners === 0);
  });

  it('refuses other projects’ keys, unknown projects and bad parameters in the producer API’s shape', async () => {
    const { id: project } = await freshProject('ls');
    const { key: otherKey } = await freshProject('ls');
    const forbidden = await call(`/v1/projects/${project}/users/u/listeners`, { headers: otherKey });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const unknown = await call('/v1/projects/no-such-project/users/u/listeners', { headers: ADMIN });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const long = await call(`/v1/projects/${project}/users/${'u'.repeat(257)}/listeners`, { headers: ADMIN });
    expect(long.status).toBe(400);
    expect(await long.json()).toMatchObject({ error: { code: 'invalid_parameter', parameter: 'user' } });
  });
});
