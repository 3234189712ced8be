import { openDb, type Db } from '../core/db';
import { pushHeaders, pushPayload, type PushContent } from '../core/push-message';
import { audienceIds, audienceSubscriptions, removeGone, type Subscription } from '../core/push-subscriptions';
import type { Bindings } from '../env';
import { D1Meter } from '../http/d1-meter';
import { backoffSeconds, FANOUT_PAGE, inBatches, MAX_ATTEMPTS, SEND_BATCH, type PushJob } from './jobs';
import { sendPush, type PushOutcome } from './send';
import { vapidKeysOf, vapidSigner } from './vapid';

// The push queue's consumer (wrangler.toml [[queues.consumers]]): turns each job into pushes, removes the
// subscriptions push services say are gone, and sends again later what a push service could not take now.

export interface PushDeps {
  /** The control database (the subscriptions and projects). */
  db: Db;
  queue: Queue<PushJob>;
  sign: (endpoint: URL) => Promise<string>;
  fetcher?: typeof fetch;
  now?: () => number;
}

/**
 * Pushes in flight at once: a Worker invocation keeps 6 connections open at a time and queues the rest, whose timeout
 * would otherwise run while they wait.
 */
const PARALLEL_PUSHES = 6;

/** `run` over every item, at most `limit` at a time; the results in the items' order. */
async function inParallel<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** What one job did, for the log (and the tests and `npm run bench`). */
export interface PushReport {
  sent: number;
  gone: number;
  retried: number;
  refused: number;
  given_up: number;
  queued: number;
}

let signer: { key: string; sign: PushDeps['sign'] } | undefined;

/** What a job needs, over a D1 binding that counts what the job reads and writes (for its log line). */
export function pushDeps(env: Bindings, meter: D1Meter): PushDeps | null {
  const keys = vapidKeysOf(env);
  if (!keys) return null;
  // One signer per isolate (its tokens last hours), unless the keys changed.
  if (signer?.key !== keys.publicKey + keys.subject) signer = { key: keys.publicKey + keys.subject, sign: vapidSigner(keys) };
  return { db: openDb(meter.wrap(env.DB)), queue: env.PUSH_QUEUE, sign: signer.sign };
}

/** The Worker's `queue` handler for PUSH_QUEUE: each message on its own, so that one failing does not hold the rest. */
export async function consumePushQueue(batch: MessageBatch<PushJob>, env: Bindings): Promise<void> {
  for (const message of batch.messages) {
    const meter = new D1Meter();
    const deps = pushDeps(env, meter);
    if (!deps) {
      console.error(JSON.stringify({ event: 'push_unconfigured', error: 'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are not set' }));
      message.ack();
      continue;
    }
    try {
      const report = await runPushJob(message.body, deps);
      // A line only where something was pushed or handed on: most notifications' recipients have no subscription.
      if (Object.values(report).some((n) => n > 0)) {
        const { queries, rowsRead, rowsWritten } = meter.cost;
        const d1 = { statements: queries, rows_read: rowsRead, rows_written: rowsWritten };
        console.log(JSON.stringify({ event: 'push', project: message.body.project, notification: message.body.content.id, kind: message.body.kind, ...report, d1 }));
      }
      message.ack();
    } catch (error) {
      // D1 or the queue failed us: the whole message again later. A browser it had already reached then gets the
      // push twice, which our service worker shows once (the same tag replaces it).
      console.error(JSON.stringify({ event: 'push_failed', error: error instanceof Error ? error.message : 'unknown' }));
      message.retry({ delaySeconds: backoffSeconds(message.attempts - 1) });
    }
  }
}

export async function runPushJob(job: PushJob, deps: PushDeps): Promise<PushReport> {
  const report: PushReport = { sent: 0, gone: 0, retried: 0, refused: 0, given_up: 0, queued: 0 };
  if (job.kind === 'send') {
    await deliver(job, await audienceSubscriptions(deps.db, job.project, job.audience, job.subscriptions), job.attempt, deps, report);
    return report;
  }
  if (!(job.push ?? (await projectPushes(deps.db, job.project)))) return report;
  // A user's own: their few subscriptions (MAX_SUBSCRIPTIONS_PER_USER), at once.
  if (job.audience.startsWith('u:')) {
    await deliver(job, await audienceSubscriptions(deps.db, job.project, job.audience), 0, deps, report);
    return report;
  }
  const ids = await audienceIds(deps.db, job.project, job.audience, job.after ?? '', FANOUT_PAGE + 1);
  const more = ids.length > FANOUT_PAGE;
  const page = ids.slice(0, FANOUT_PAGE);
  const chunks = Array.from({ length: Math.ceil(page.length / SEND_BATCH) }, (_, i) => page.slice(i * SEND_BATCH, (i + 1) * SEND_BATCH));
  // A small audience is pushed to here; a large one is handed on in pages, the next page queued with them.
  if (!more && chunks.length <= 1) {
    if (chunks[0]) await deliver(job, await audienceSubscriptions(deps.db, job.project, job.audience, chunks[0]), 0, deps, report);
    return report;
  }
  const { project, audience, content } = job;
  const jobs: PushJob[] = chunks.map((subscriptions) => ({ kind: 'send', project, audience, content, subscriptions, attempt: 0 }));
  if (more) jobs.push({ kind: 'notify', project, audience, content, push: true, after: page.at(-1)! });
  for (const batch of inBatches(jobs)) await deps.queue.sendBatch(batch.map((body) => ({ body, contentType: 'json' })));
  report.queued = jobs.length;
  return report;
}

/** Whether a project pushes notifications whose producer did not say (no project row: the default, yes). */
async function projectPushes(db: Db, projectId: string): Promise<boolean> {
  const row = await db.$client.prepare('SELECT push FROM projects WHERE id = ?1').bind(projectId).first<{ push: number }>();
  return row ? row.push !== 0 : true;
}

async function deliver(
  job: { project: string; audience: string; content: PushContent },
  subscriptions: readonly Subscription[],
  attempt: number,
  deps: PushDeps,
  report: PushReport,
): Promise<void> {
  const now = deps.now?.() ?? Date.now();
  const headers = pushHeaders(job.content, now);
  // Expired meanwhile: it has left the inbox, so it is not pushed.
  if (!headers || subscriptions.length === 0) return;
  const payload = new TextEncoder().encode(pushPayload(job.content));
  const outcomes = await inParallel(subscriptions, PARALLEL_PUSHES, async (subscription): Promise<[Subscription, PushOutcome]> => {
    try {
      const authorization = await deps.sign(new URL(subscription.endpoint));
      return [subscription, await sendPush(subscription, payload, headers, authorization, deps.fetcher)];
    } catch (error) {
      // Keys the encryption refuses, or a failing signer: this browser is not pushed to, the others are.
      console.error(JSON.stringify({ event: 'push_unsendable', project: job.project, error: error instanceof Error ? error.message : 'unknown' }));
      return [subscription, { kind: 'refused', status: 0 }];
    }
  });
  const gone: string[] = [];
  const again: string[] = [];
  let retryAfter = 0;
  for (const [subscription, outcome] of outcomes) {
    if (outcome.kind === 'sent') report.sent++;
    else if (outcome.kind === 'gone') gone.push(subscription.id);
    else if (outcome.kind === 'retry') {
      again.push(subscription.id);
      retryAfter = Math.max(retryAfter, outcome.retryAfter ?? 0);
    } else {
      report.refused++;
      console.error(JSON.stringify({ event: 'push_refused', project: job.project, status: outcome.status, endpoint: new URL(subscription.endpoint).origin }));
    }
  }
  report.gone = gone.length;
  await removeGone(deps.db, job.project, gone);
  if (again.length === 0) return;
  if (attempt + 1 >= MAX_ATTEMPTS) {
    report.given_up = again.length;
    console.error(JSON.stringify({ event: 'push_given_up', project: job.project, notification: job.content.id, subscriptions: again.length }));
    return;
  }
  report.retried = again.length;
  const retry: PushJob = { kind: 'send', project: job.project, audience: job.audience, content: job.content, subscriptions: again, attempt: attempt + 1 };
  await deps.queue.send(retry, { contentType: 'json', delaySeconds: backoffSeconds(attempt, retryAfter) });
}
