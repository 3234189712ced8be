import { describe, expect, it } from 'vitest';
import { note } from './fakes';
import { live, params } from './setup';

describe('where the stream resumes', () => {
  it('keeps the cursor of a message that arrives while the counts are being read', async () => {
    const t = await live();
    // The next /counts answers at once, but its body comes only when the test says so.
    let finish!: () => void;
    t.server.refuse = (call) => {
      if (call.route != '/counts') return;
      t.server.refuse = undefined;
      const body = new ReadableStream<Uint8Array>({
        start: (controller) =>
          void (finish = () => (controller.enqueue(new TextEncoder().encode(JSON.stringify(t.server.counts()))), controller.close())),
      });
      return new Response(body, { headers: { 'content-type': 'application/json', etag: '"k-held"' } });
    };
    // About a notification not held: the counts are unsure, and asked for.
    t.socket.receive({ type: 'deleted', cursor: 'c11', id: 'not-held' });
    await t.clock.advance(0);
    expect(t.server.callsTo('/counts')).toHaveLength(2);
    const fresh = note();
    t.server.items.unshift(fresh);
    t.socket.receive({ type: 'notification', cursor: 'c12', notification: fresh });
    finish();
    await t.clock.advance(0);
    expect(t.inbox.state.notifications[0]).toEqual(fresh);
    // A drop: the stream comes back after the last message it delivered.
    t.socket.drop(1006);
    await t.clock.advance(2000);
    expect(t.ws.sockets).toHaveLength(2);
    expect(params(t.ws.sockets[1]!.url).since).toBe('c12');
  });
});
