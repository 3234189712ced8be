import { audienceKey } from '../core/audience';
import { pushContent } from '../core/push-message';
import type { Pusher } from '../core/pusher';
import { inBatches, type PushJob } from './jobs';

/**
 * The Pusher a create uses: one `notify` job per notification on PUSH_QUEUE, sent after the response (waitUntil),
 * so that pushing never slows a create. A queue that refuses them loses those pushes, not the notifications: the
 * inbox has them, and is logged.
 */
export function queuePusher(queue: Queue<PushJob>, waitUntil: (promise: Promise<unknown>) => void): Pusher {
  return {
    created(project, created) {
      const jobs: PushJob[] = created.map(({ notification, push }) => ({
        kind: 'notify',
        project,
        audience: audienceKey(notification.audience),
        ...(push !== undefined && { push }),
        content: pushContent(notification),
      }));
      const sent = Promise.all(inBatches(jobs).map((batch) => queue.sendBatch(batch.map((body) => ({ body, contentType: 'json' })))));
      waitUntil(
        sent.catch((error: unknown) =>
          console.error(JSON.stringify({ event: 'push_enqueue_failed', project, notifications: jobs.length, error: error instanceof Error ? error.message : 'unknown' })),
        ),
      );
    },
  };
}
