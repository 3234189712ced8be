import { encryptNotification } from '@block65/webcrypto-web-push';
import type { PushHeaders } from '../core/push-message';
import type { Subscription } from '../core/push-subscriptions';

// One push to one browser (RFC 8030 §5): the payload encrypted for its keys (RFC 8291, aes128gcm), the VAPID
// `Authorization` (RFC 8292), and what the push service's answer means for the subscription.

export type PushOutcome =
  | { kind: 'sent' }
  /** 404/410: the browser unsubscribed or the subscription expired; it is removed. */
  | { kind: 'gone'; status: number }
  /** 429, 5xx or no answer: sent again later, not before `retryAfter` seconds when the service said. */
  | { kind: 'retry'; status: number | null; retryAfter?: number }
  /** Anything else (400, 401/403 a key the subscription was not made with, 413, a redirect): logged, not sent again. */
  | { kind: 'refused'; status: number };

/** A push service that has not answered in this long is tried again later. */
const TIMEOUT_MS = 10_000;

export async function sendPush(
  subscription: Subscription,
  payload: Uint8Array,
  headers: PushHeaders,
  authorization: string,
  fetcher: typeof fetch = fetch,
): Promise<PushOutcome> {
  // No padding: a push costs the phone's radio by the byte, and the inbox shows the rest.
  const body = await encryptNotification(
    { endpoint: subscription.endpoint, expirationTime: subscription.expiresAt, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
    payload,
    { pad: false },
  );
  let response: Response;
  try {
    response = await fetcher(subscription.endpoint, {
      method: 'POST',
      headers: {
        ...headers,
        Authorization: authorization,
        'Content-Encoding': 'aes128gcm',
        'Content-Type': 'application/octet-stream',
      },
      body,
      // Push services answer; they do not redirect. A redirect would take the push (and its VAPID token) to a host the
      // endpoint check never saw.
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    return { kind: 'retry', status: null };
  }
  // Nothing of the answer is needed but its status.
  await response.body?.cancel();
  const status = response.status;
  if (status >= 200 && status < 300) return { kind: 'sent' };
  if (status === 404 || status === 410) return { kind: 'gone', status };
  if (status === 429 || status >= 500) {
    const retryAfter = retryAfterSeconds(response.headers.get('Retry-After'));
    return { kind: 'retry', status, ...(retryAfter !== undefined && { retryAfter }) };
  }
  return { kind: 'refused', status };
}

/** RFC 9110 §10.2.3: seconds, or an HTTP date. */
function retryAfterSeconds(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
