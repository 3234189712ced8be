import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { PLAYER } from '../api/player/helpers';
import { member, SseClient, WsClient } from '../api/client/stream-helpers';
import { asUser, freshProject, until } from '../helpers';
import { fetcherFor, probedD1, type D1Probe } from '../realtime/fault-env';

// LISTENER_COST_LOG=on (npm run bench): a listener logs, when it ends, what it read to open and while it waited.

describe('the listener cost log', () => {
  it('logs one line per listener when on: its opening reads, and one re-read per LISTENER_RECHECK_SECONDS while it waited', async () => {
    const { id: project } = await freshProject('cost');
    const headers = await asUser({ sub: 'cost-user', project });
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void logged.push(String(line)));
    try {
      const on = fetcherFor({ ...env, LISTENER_COST_LOG: 'on', LISTENER_RECHECK_SECONDS: '1' });
      const res = await on(`${PLAYER}/me/stream/notification/lp?deadline=2&listener_id=costly`, { headers });
      expect((await res.json()) as unknown).toMatchObject({ notifications: [] });
      const off = fetcherFor({ ...env, LISTENER_RECHECK_SECONDS: '1' });
      await (await off(`${PLAYER}/me/stream/notification/lp?deadline=1`, { headers })).text();
    } finally {
      spy.mockRestore();
    }
    const lines = logged.filter((l) => l.includes('listener_cost')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    const [line] = lines as [{ listener_id: string; held_ms: number; open: { statements: number }; waiting: { statements: number } }];
    expect(line.listener_id).toBe('costly');
    expect(line.held_ms).toBeGreaterThanOrEqual(1900);
    expect(line.open.statements).toBeGreaterThan(0);
    // The first read, then a re-read a second later, and the last at the deadline: a statement each.
    expect(line.waiting.statements).toBeGreaterThanOrEqual(2);
    expect(line.waiting.statements).toBeLessThanOrEqual(4);
  });

  // An event stream or a WebSocket is opened once and held for hours: its first read (events and counts) is what
  // opening it cost, so that the bench's idle hour counts only the safety re-reads (2 statements each).
  it.each(['sse', 'ws'] as const)('counts a %s stream’s first read as opening, and only its re-reads as waiting', async (transport) => {
    const m = await member(`cost-${transport}`);
    const probe: D1Probe = { statements: 0, failNext: 0, failed: 0, batches: [] };
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void logged.push(String(line)));
    try {
      // A heartbeat a second (which reads nothing) is how the event stream learns that the client went away.
      const on = fetcherFor({ ...env, LISTENER_COST_LOG: 'on', LISTENER_RECHECK_SECONDS: '1', STREAM_HEARTBEAT_SECONDS: '1', DB: probedD1(probe) });
      const stream = await (transport === 'sse' ? SseClient : WsClient).open('?listener_id=held', m.headers, on);
      await stream.next();
      await stream.nextCounts(0);
      const opening = probe.statements;
      const firstBatches = probe.batches!.length;
      await until(async () => probe.batches!.length >= firstBatches + 2, 10_000);
      await stream.close();
      await until(async () => logged.some((l) => l.includes('listener_cost')), 10_000);
      const [line] = logged.filter((l) => l.includes('listener_cost')).map((l) => JSON.parse(l) as { listener_id: string; open: { statements: number }; waiting: { statements: number } });
      expect(line!.listener_id).toBe('held');
      // Opening: the request's reads and the first read's batch of 5 (events and counts).
      expect(probe.batches![firstBatches - 1]).toBe(5);
      expect(line!.open.statements).toBe(opening);
      // Waiting: the re-reads alone, 2 statements each.
      const reReads = probe.batches!.slice(firstBatches);
      expect(new Set(reReads)).toEqual(new Set([2]));
      expect(line!.waiting.statements).toBe(2 * reReads.length);
      expect(probe.statements).toBe(opening + 2 * reReads.length);
    } finally {
      spy.mockRestore();
    }
  });
});
