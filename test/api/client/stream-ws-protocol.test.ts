import { describe, expect, it } from 'vitest';
import { call, send, userToken } from '../../helpers';
import { member, WS, WsClient } from './stream-helpers';

// A browser WebSocket offers subprotocols instead of headers (src/http/socket-protocol.ts): the token
// and bookmark travel there, out of the URL, and a refusal comes as a close code the page can read.

/** Opens /ws offering these subprotocols; resolves with the 101 (or refusal) and, once closed, the close. */
async function offer(protocols: string[], query = '') {
  const response = await call(`${WS}${query}`, { headers: { upgrade: 'websocket', 'sec-websocket-protocol': protocols.join(', ') } });
  const socket = response.webSocket;
  const messages: unknown[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket?.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason }));
  });
  socket?.addEventListener('message', (event) => messages.push(JSON.parse(event.data as string)));
  socket?.accept();
  return { response, socket, messages, closed };
}

describe('the WebSocket for browsers (subprotocols)', () => {
  it('takes the token from `bearer.<token>`, chooses `edge-inbox`, and streams as with a header', async () => {
    const m = await member('ws-protocol');
    const token = await userToken({ sub: m.user, project: m.project });
    const opened = await offer(['edge-inbox', `bearer.${token}`]);
    expect(opened.response.status).toBe(101);
    expect(opened.response.headers.get('sec-websocket-protocol')).toBe('edge-inbox');
    const [created] = await send(m.project, { to: [{ user: m.user }], title: 'hello' });
    const deadline = Date.now() + 5000;
    while (!opened.messages.some((message: any) => message.type === 'notification') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(opened.messages[0]).toEqual({ type: 'ready', cursor: expect.any(String) });
    expect(opened.messages.find((message: any) => message.type === 'notification')).toMatchObject({ notification: { id: created!.id } });
    opened.socket!.close(1000);
  });

  it('refuses with a close code and reason a browser can read: 4401, 4409 with the error code', async () => {
    const bad = await offer(['edge-inbox', 'bearer.not-a-token']);
    expect(bad.response.status).toBe(101);
    expect(await bad.closed).toEqual({ code: 4401, reason: JSON.stringify({ code: 'AUTH_INVALID_TOKEN' }) });
    expect(bad.messages).toEqual([]);

    const m = await member('ws-refused');
    const token = await userToken({ sub: m.user, project: m.project });
    const held = await Promise.all([1, 2, 3, 4].map(() => WsClient.open('', m.headers)));
    await Promise.all(held.map((client) => client.next()));
    const fifth = await offer(['edge-inbox', `bearer.${token}`]);
    expect(fifth.response.status).toBe(101);
    expect(await fifth.closed).toEqual({ code: 4409, reason: JSON.stringify({ code: 'TOO_MANY_LISTENERS' }) });
    held.forEach((client) => client.close());
  });

  it('keeps plain HTTP refusals for clients that do not offer `edge-inbox`, and ignores a bearer offered without it', async () => {
    const token = await userToken({ sub: 'someone' });
    const plain = await offer([`bearer.${token}`]);
    expect(plain.response.status).toBe(401);
    expect(await plain.response.json()).toMatchObject({ error: { code: 'AUTH_INVALID_TOKEN' } });
    // A bookmark that is not one is ignored, as in the header.
    const m = await member('ws-bookmark');
    const opened = await offer(['edge-inbox', `bearer.${await userToken({ sub: m.user, project: m.project })}`, 'bookmark.garbage']);
    expect(opened.response.status).toBe(101);
    opened.socket!.close(1000);
  });
});
