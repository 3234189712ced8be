// What Web Push adds per notification (README "Push"), measured under `wrangler dev` with the local stand-in push
// service (scripts/push-stand-in.mjs): what the create writes with push on and off (its Server-Timing), and what the
// queue's consumer did (its `push` log lines: messages, D1 statements and rows, pushes sent), for a user's own
// notification to their two browsers and for one to everyone in a project of BROADCAST browsers.
import { setTimeout as sleep } from 'node:timers/promises';
import { startPushStandIn } from '../scripts/push-stand-in.mjs';

const BROADCAST = Number(process.env.BENCH_PUSH_BROADCAST ?? 300);

/** Server-Timing's `d1;desc="q=… rr=… rw=…"`. */
function d1Of(res) {
  const match = /q=(\d+) rr=(\d+) rw=(\d+)/.exec(res.headers.get('server-timing') ?? '');
  return match ? { statements: Number(match[1]), rowsRead: Number(match[2]), rowsWritten: Number(match[3]) } : null;
}

async function until(check, what, timeoutMs = 120_000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`push bench: ${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/**
 * `app`: the Worker's URL; `tokenFor(claims)`: a user token; `admin`: the admin key's headers; `logs`: the Worker's
 * `push` log lines as they come (objects).
 */
export async function measurePush({ app, tokenFor, admin, logs }) {
  const standIn = await startPushStandIn();
  const project = `push-bench-${Date.now().toString(36)}`;
  const json = { ...admin, 'content-type': 'application/json' };
  try {
    const made = await fetch(`${app}/v1/projects`, { method: 'POST', headers: json, body: JSON.stringify({ id: project, name: 'Push bench' }) });
    if (made.status !== 201) throw new Error(`push bench: project ${made.status}`);
    const subscribe = async (sub) => {
      const res = await fetch(`${app}/api/v1/client/push/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await tokenFor({ sub, project })}`, 'content-type': 'application/json' },
        body: JSON.stringify(await standIn.subscription()),
      });
      if (res.status !== 201) throw new Error(`push bench: subscribe ${res.status} ${await res.text()}`);
      return d1Of(res);
    };
    const register = await subscribe('owner');
    await subscribe('owner');
    for (let i = 0; i < BROADCAST - 2; i++) await subscribe(`listener-${i}`);

    const create = async (body) => {
      const res = await fetch(`${app}/v1/projects/${project}/notifications`, { method: 'POST', headers: json, body: JSON.stringify({ title: 'Push bench', body: 'A new quest', ...body }) });
      if (res.status !== 201) throw new Error(`push bench: create ${res.status}`);
      return { id: (await res.json()).notifications[0].id, d1: d1Of(res) };
    };
    const jobsOf = (id) => logs.filter((line) => line.notification === id);
    const sum = (lines, pick) => lines.reduce((n, line) => n + pick(line), 0);
    const measured = async (to) => {
      const received = standIn.received.length;
      const { id, d1 } = await create({ to: [to] });
      const expected = to.user ? 2 : BROADCAST;
      await until(() => standIn.received.length - received >= expected && sum(jobsOf(id), (l) => l.sent) >= expected, `${expected} pushes`);
      const jobs = jobsOf(id);
      return {
        create: d1,
        messages: jobs.length,
        pushes: sum(jobs, (l) => l.sent),
        statements: sum(jobs, (l) => l.d1.statements),
        rowsRead: sum(jobs, (l) => l.d1.rows_read),
        rowsWritten: sum(jobs, (l) => l.d1.rows_written),
        bytes: Math.round(sum(standIn.received.slice(received), (p) => p.bytes) / expected),
      };
    };
    const quiet = await create({ to: [{ user: 'owner' }], push: false });
    const own = await measured({ user: 'owner' });
    const everyone = await measured({ everyone: true });
    return { register, quiet: quiet.d1, own, everyone, broadcast: BROADCAST };
  } finally {
    await standIn.close();
  }
}

/** The README's lines for it. */
export function pushLines(push) {
  const row = (name, m) =>
    `| ${name} | ${m.create.rowsWritten} | ${m.messages} | ${m.pushes} | ${m.statements} | ${m.rowsRead} | ${m.rowsWritten} | ${m.bytes} |`;
  return [
    `Web Push, per notification (the create's own D1 rows written: ${push.quiet.rowsWritten} with \`push: false\`; registering a browser: ${push.register.rowsWritten} rows written):`,
    '',
    '| notification | create: D1 rows written | queue messages consumed | pushes sent | consumer D1 statements | consumer D1 rows read | consumer D1 rows written | bytes per push |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row("a user's own, to their 2 browsers", push.own),
    row(`to everyone, ${push.broadcast} browsers`, push.everyone),
  ];
}
