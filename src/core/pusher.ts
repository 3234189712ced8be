import type { Notification } from './notifications';

/**
 * Told after notifications are stored, so that their recipients' browsers and apps get a push (src/push hands them
 * to a queue: it must not hold up the write). `push` is the producer's choice; absent, the project's default holds.
 */
export interface Pusher {
  created(projectId: string, created: readonly { notification: Omit<Notification, 'seq'>; push?: boolean }[]): void;
}

/** Hands created notifications to the pusher, but those their producer said not to push; a failure is only logged. */
export function offerPush(
  pusher: Pusher | undefined,
  projectId: string,
  drafts: readonly Omit<Notification, 'seq'>[],
  inputs: readonly { push?: boolean }[],
): void {
  if (!pusher) return;
  const offered = drafts.flatMap((notification, i) => (inputs[i]?.push === false ? [] : [{ notification, push: inputs[i]?.push }]));
  if (offered.length === 0) return;
  try {
    pusher.created(projectId, offered);
  } catch (error) {
    console.error(JSON.stringify({ event: 'push_offer_failed', projectId, error: error instanceof Error ? error.message : 'unknown' }));
  }
}
