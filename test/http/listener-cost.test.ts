import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { PLAYER } from '../api/player/helpers';
import { asUser, freshProject } from '../helpers';
import { fetcherFor } from '../realtime/fault-env';

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
});
