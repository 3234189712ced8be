import { audienceKey } from '../core/audience';
import type { Db } from '../core/db';
import { pushContent } from '../core/push-message';
import { projectHasSubscriptions } from '../core/push-subscriptions';
import type { Pusher } from '../core/pusher';
import { inBatches, type PushJob } from './jobs';

// Whether a project has any push subscription, as this isolate last read it: most deployments (and most projects)
// never subscribe a browser, and their creates should cost no queue message and no consumer run. A project without
// one is read again after NONE_TTL_MS (a browser subscribed meanwhile through another isolate misses at most that
// much), one with one after SOME_TTL_MS; a subscription registered through this isolate counts at once.
const NONE_TTL_MS = 10_000;
const SOME_TTL_MS = 300_000;
const known = new Map<string, { some: boolean; until: number }>();

/** A subscription was registered in this project (through this isolate). */
export function subscribedIn(projectId: string): void {
  known.set(projectId, { some: true, until: Date.now() + SOME_TTL_MS });
}

async function anySubscription(db: Db, projectId: string): Promise<boolean> {
  const now = Date.now();
  const kept = known.get(projectId);
  if (kept && kept.until > now) return kept.some;
  const some = await projectHasSubscriptions(db, projectId);
  known.set(projectId, { some, until: now + (some ? SOME_TTL_MS : NONE_TTL_MS) });
  return some;
}

/**
 * The Pusher a create uses: after the response (waitUntil), so that pushing never slows a create, one `notify` job
 * per notification on PUSH_QUEUE, unless the project has no subscription at all. A queue that refuses them loses
 * those pushes, not the notifications (the inbox has them), and is logged.
 */
export function queuePusher(queue: Queue<PushJob>, db: Db, waitUntil: (promise: Promise<unknown>) => void): Pusher {
  return {
    created(project, created) {
      const jobs: PushJob[] = created.map(({ notification, push }) => ({
        kind: 'notify',
        project,
        audience: audienceKey(notification.audience),
        ...(push !== undefined && { push }),
        content: pushContent(notification),
      }));
      const sent = (async () => {
        if (!(await anySubscription(db, project))) return;
        for (const batch of inBatches(jobs)) await queue.sendBatch(batch.map((body) => ({ body, contentType: 'json' as const })));
      })();
      waitUntil(
        sent.catch((error: unknown) =>
          console.error(JSON.stringify({ event: 'push_enqueue_failed', project, notifications: jobs.length, error: error instanceof Error ? error.message : 'unknown' })),
        ),
      );
    },
  };
}
