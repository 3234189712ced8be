import { describe, expect, it } from 'vitest';
import { abortAllDurableObjects } from 'cloudflare:test';
import { asUser, call, send } from '../../helpers';
import { listenerCount, projectListenerCount, until } from '../../helpers';
import { createFor, json, player, PLAYER, type Page } from './helpers';

const lp = (query: string, headers: Record<string, string>, init: RequestInit = {}) =>
  call(`${PLAYER}/me/stream/notification/lp${query}`, { headers, ...init });

describe('reference/player-api.md long poll', () => {
  it('answers at once, oldest first, when something newer than exclude_before exists; its cursor continues', async () => {
    const p = await player();
    const ids = [];
    for (const m of ['one', 'two', 'three']) ids.push(await createFor(p.project, p.id, m));
    const first = await json(await lp('?offset_reset_strategy=earliest&max_page_size=2', p.headers));
    expect(first.notifications.map((n) => n.message)).toEqual(['one', 'two']);
    const second = await json(await lp(`?exclude_before=${first.cursor}&max_page_size=2`, p.headers));
    expect(second.notifications.map((n) => n.notification_id)).toEqual([ids[2]]);
    expect(await listenerCount(p.project, p.id)).toBe(0);
  });

  it('waits and answers when a notification for the player is created, woken by the create', async () => {
    const p = await player();
    const pending = lp('?deadline=20', p.headers);
    await until(async () => (await listenerCount(p.project, p.id)) === 1);
    const created = Date.now();
    const id = await createFor(p.project, p.id, 'wake up', { rh_url: '/quests/7', custom_data: { quest: '7' }, etag: 'v3' });
    const res = await pending;
    // Woken by the create itself: a safety re-read is 60 s away (LISTENER_RECHECK_SECONDS' default) and the deadline
    // 20 s, so an answer in half that is the wake-up's; how soon is for the benchmark (long-poll wake-up p50 and p99).
    expect(Date.now() - created).toBeLessThan(10_000);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.notifications).toEqual([
      { message: 'wake up', rh_url: '/quests/7', custom_data: { quest: '7' }, etag: 'v3', notification_id: id, created: expect.any(String) },
    ]);
    await until(async () => (await listenerCount(p.project, p.id)) === 0);
  });

  it('is woken by the producer API too, and by organisation and everyone notifications', async () => {
    const p = await player();
    const woke = lp('?deadline=20', p.headers);
    await until(async () => (await listenerCount(p.project, p.id)) === 1);
    await send(p.project, { to: [{ user: p.id }], title: 't', body: 'from the producer' });
    expect((await json(await woke)).notifications.map((n) => n.message)).toEqual(['from the producer']);

    const member = await asUser({ sub: p.id, project: p.project, orgs: ['guild-1'] });
    const start = await json(await lp('?deadline=0', member));
    const broadcast = lp(`?deadline=20&exclude_before=${start.cursor}`, member);
    await until(async () => (await listenerCount(p.project, p.id)) === 1);
    const sent = Date.now();
    await send(p.project, { to: [{ org: 'guild-1' }], title: 't', body: 'guild news' });
    const guild = await json(await broadcast);
    expect(guild.notifications.map((n) => n.message)).toEqual(['guild news']);
    // Well before the 20 s deadline's answer: the shard woke this player.
    expect(Date.now() - sent).toBeLessThan(10_000);

    const everyone = lp(`?deadline=20&exclude_before=${guild.cursor}`, member);
    await until(async () => (await listenerCount(p.project, p.id)) === 1);
    const announced = Date.now();
    await send(p.project, { to: [{ everyone: true }], title: 't', body: 'for everyone' });
    expect((await json(await everyone)).notifications.map((n) => n.message)).toEqual(['for everyone']);
    expect(Date.now() - announced).toBeLessThan(10_000);
  });

  it('answers empty at the deadline, with a cursor that still skips nothing', async () => {
    const p = await player();
    await createFor(p.project, p.id, 'old');
    const started = Date.now();
    const empty = await json(await lp('?deadline=1', p.headers));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(empty.notifications).toEqual([]);
    expect(await listenerCount(p.project, p.id)).toBe(0);
    await createFor(p.project, p.id, 'new');
    const next = await json(await lp(`?deadline=1&exclude_before=${empty.cursor}`, p.headers));
    expect(next.notifications.map((n) => n.message)).toEqual(['new']);
  });

  it('follows its cursor without skipping or repeating while notifications keep arriving', async () => {
    const p = await player();
    const made: string[] = [];
    const seen: string[] = [];
    let cursor = '';
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i <= round % 3; i++) made.push(await createFor(p.project, p.id, `r${round}-${i}`));
      const page = await json(await lp(`?deadline=0&max_page_size=2&offset_reset_strategy=earliest${cursor && `&exclude_before=${cursor}`}`, p.headers));
      seen.push(...page.notifications.map((n) => n.notification_id));
      cursor = page.cursor;
    }
    for (;;) {
      const page = await json(await lp(`?deadline=0&max_page_size=3&exclude_before=${cursor}`, p.headers));
      if (page.notifications.length === 0) break;
      seen.push(...page.notifications.map((n) => n.notification_id));
      cursor = page.cursor;
    }
    expect(seen).toEqual(made);
  });

  it('starts from now with offset_reset_strategy=latest (the default) and from the beginning with earliest', async () => {
    const p = await player();
    await createFor(p.project, p.id, 'before');
    expect((await json(await lp('?deadline=0', p.headers))).notifications).toEqual([]);
    expect((await json(await lp('?deadline=0&offset_reset_strategy=earliest', p.headers))).notifications.map((n) => n.message)).toEqual(['before']);
    // Another player's cursor is unknown here: the strategy applies.
    const other = await player();
    await createFor(other.project, other.id, 'x');
    const foreign = (await json(await lp('?deadline=0&offset_reset_strategy=earliest', other.headers))).cursor;
    const reset = await json(await lp(`?deadline=0&offset_reset_strategy=earliest&exclude_before=${foreign}`, p.headers));
    expect(reset.notifications.map((n) => n.message)).toEqual(['before']);
  });

  it('keeps the order contract: the page is newest first, the long poll oldest first', async () => {
    const p = await player();
    for (const m of ['a', 'b', 'c']) await createFor(p.project, p.id, m);
    const page = await json(await call(`${PLAYER}/me/notification`, { headers: p.headers }));
    const stream = await json(await lp('?deadline=0&offset_reset_strategy=earliest', p.headers));
    expect(page.notifications.map((n) => n.message)).toEqual(['c', 'b', 'a']);
    expect(stream.notifications.map((n) => n.message)).toEqual(['a', 'b', 'c']);
  });

  it('validates its parameters with 422', async () => {
    const p = await player();
    const cases: [string, (string | number)[], string][] = [
      ['?max_page_size=0', ['query', 'max_page_size'], 'greater_than_equal'],
      ['?max_page_size=101', ['query', 'max_page_size'], 'less_than_equal'],
      ['?deadline=901', ['query', 'deadline'], 'less_than_equal'],
      ['?deadline=soon', ['query', 'deadline'], 'int_parsing'],
      ['?offset_reset_strategy=middle', ['query', 'offset_reset_strategy'], 'enum'],
      ['?exclude_before=%%%garbage', ['query', 'exclude_before'], 'value_error'],
    ];
    for (const [query, loc, type] of cases) {
      const res = await lp(query, p.headers);
      expect(res.status, query).toBe(422);
      const body = (await res.json()) as { detail: { loc: unknown[]; msg: string; type: string }[] };
      expect(body.detail[0], query).toEqual({ loc, msg: expect.any(String), type });
    }
    expect(await listenerCount(p.project, p.id)).toBe(0);
  });
});

describe('listener slots, counted by the player’s Durable Object', () => {
  it('refuses the fifth concurrent listener with 409 too_many_listening_to_single_client', async () => {
    const p = await player();
    const open = Array.from({ length: 4 }, () => lp('?deadline=3', p.headers));
    await until(async () => (await listenerCount(p.project, p.id)) === 4);
    const fifth = await lp('?deadline=3', p.headers);
    expect(fifth.status).toBe(409);
    expect(await fifth.json()).toEqual({
      auth_success: true,
      error_code: 'too_many_listening_to_single_client',
      desc: 'This player already has the most listeners allowed',
    });
    const answered = await Promise.all(open);
    expect(answered.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await Promise.all(answered.map((r) => r.text()));
    await until(async () => (await listenerCount(p.project, p.id)) === 0);
  });

  it('refuses a listener past the project limit with 503 connection_limit_reached', async () => {
    const a = await player();
    const b = await asUser({ sub: crypto.randomUUID(), project: a.project });
    const c = await asUser({ sub: crypto.randomUUID(), project: a.project });
    const open = [...Array.from({ length: 4 }, () => lp('?deadline=3', a.headers)), lp('?deadline=3', b), lp('?deadline=3', b)];
    await until(async () => (await projectListenerCount(a.project)) === 6);
    const refused = await lp('?deadline=3', c);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({
      auth_success: true,
      error_code: 'connection_limit_reached',
      desc: 'The project has the most listeners allowed',
    });
    await Promise.all((await Promise.all(open)).map((r) => r.text()));
    await until(async () => (await projectListenerCount(a.project)) === 0);
  });

  it('writes nothing before its answer while the deadline is within the keep-alive, and a space each keep-alive beyond it', async () => {
    // STREAM_HEARTBEAT_SECONDS is 5 here (60 deployed): intermediaries close silent connections.
    const p = await player();
    const short = await lp('?deadline=2', p.headers);
    expect(short.headers.get('content-encoding')).toBeNull();
    expect((await short.text()).startsWith('{')).toBe(true);

    const long = await lp('?deadline=20', p.headers);
    expect(long.headers.get('content-encoding')).toBe('identity');
    const reader = long.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^ +$/);
    const id = await createFor(p.project, p.id, 'after a space');
    let text = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
    expect(JSON.parse(text).notifications.map((n: { notification_id: string }) => n.notification_id)).toEqual([id]);
  });

  it('releases the slot when the client hangs up', async () => {
    const p = await player();
    const res = await lp('?deadline=60', p.headers);
    expect(res.status).toBe(200);
    await until(async () => (await listenerCount(p.project, p.id)) === 1);
    await res.body!.cancel();
    // The runtime aborts request.signal (as deployed), long before the 60 s deadline.
    await until(async () => (await listenerCount(p.project, p.id)) === 0);
    expect(await projectListenerCount(p.project)).toBe(0);
  });

  it('keeps counting across a reset of the player’s object (eviction, deploy) and returns to zero', async () => {
    // Aborting every object: in-memory state and the listeners' sockets gone mid-wait, storage kept.
    const p = await player();
    // A held answer's headers go out once its slot is taken: waiting for them (not for the lease
    // count, which is stored before the object's reply reaches the Worker) keeps the reset from
    // landing between the two.
    const waiting = await Promise.all([lp('?deadline=6', p.headers), lp('?deadline=6', p.headers)]);
    expect(waiting.map((r) => r.status)).toEqual([200, 200]);
    expect(await listenerCount(p.project, p.id)).toBe(2);
    await abortAllDurableObjects();
    // Each waiting Worker takes its slot back on a new socket (the same lease: counted once).
    await until(async () => (await listenerCount(p.project, p.id)) === 2 && (await projectListenerCount(p.project)) === 2);
    // Still woken after the eviction.
    const id = await createFor(p.project, p.id, 'after eviction');
    const answers = await Promise.all(waiting.map((r) => json<Page>(r)));
    for (const a of answers) expect(a.notifications.map((n) => n.notification_id)).toEqual([id]);
    await until(async () => (await listenerCount(p.project, p.id)) === 0);
    expect(await projectListenerCount(p.project)).toBe(0);
  });

  it('ends with zero after a mix of answers, deadlines, hang-ups and refusals', async () => {
    const p = await player();
    const answered = lp('?deadline=10', p.headers);
    const timedOut = lp('?deadline=1', p.headers);
    const hungUp = await lp('?deadline=60', p.headers);
    await until(async () => (await listenerCount(p.project, p.id)) === 3);
    const bad = await lp('?deadline=1000', p.headers);
    expect(bad.status).toBe(422);
    await hungUp.body!.cancel();
    await createFor(p.project, p.id, 'x');
    await Promise.all([answered, timedOut]);
    await until(async () => (await listenerCount(p.project, p.id)) === 0);
    expect(await projectListenerCount(p.project)).toBe(0);
  });
});
