import { hash64 } from './hash';
import type { Notification, Priority } from './notifications';

// What a push says about a notification (issue 27): its payload, and the RFC 8030 headers that let the push service
// and the phone spend as little as they can on it. Pure: src/push encrypts, signs and sends it.

/** What the queue carries for a notification: enough to push it without reading the inbox again. */
export interface PushContent {
  id: string;
  title: string;
  body: string;
  icon: string | null;
  actionUrl: string | null;
  category: string | null;
  priority: Priority;
  createdAt: number;
  expiresAt: number | null;
}

/** RFC 8030 §5.2: push services keep a message at most about four weeks; longer is clipped anyway. */
export const MAX_TTL_SECONDS = 28 * 24 * 60 * 60;

/**
 * A push service must accept 4096 bytes of body (RFC 8030 §7.2): our record is 86 bytes of header (RFC 8188), the
 * 16-byte tag and the 1-byte delimiter, which leaves this much for the JSON.
 */
export const MAX_PAYLOAD_BYTES = 4096 - 86 - 16 - 1;

const URGENCY: Record<Priority, 'low' | 'normal' | 'high'> = { low: 'low', normal: 'normal', high: 'high', critical: 'high' };

export function pushContent(n: Omit<Notification, 'seq'>): PushContent {
  return {
    id: n.id,
    title: n.title,
    // No more than one push can carry (pushPayload shortens it to fit exactly): the queue's messages stay small.
    body: n.body.length > MAX_PAYLOAD_BYTES ? [...n.body].slice(0, MAX_PAYLOAD_BYTES).join('') : n.body,
    icon: n.icon,
    actionUrl: n.actionUrl,
    category: n.category,
    priority: n.priority,
    createdAt: n.createdAt,
    expiresAt: n.expiresAt,
  };
}

export interface PushHeaders {
  TTL: string;
  Urgency: 'low' | 'normal' | 'high';
  Topic: string;
}

/**
 * TTL until the notification expires (it leaves the inbox then, so a later push would show what is gone), else the
 * longest a push service keeps one; Urgency from the priority (a phone on battery may hold `low` until it wakes anyway);
 * a Topic per category, so that a phone that was offline gets the newest of each kind, not a backlog. Null: expired.
 */
export function pushHeaders(content: PushContent, now: number): PushHeaders | null {
  const ttl = content.expiresAt === null ? MAX_TTL_SECONDS : Math.min(MAX_TTL_SECONDS, Math.floor((content.expiresAt - now) / 1000));
  if (ttl <= 0) return null;
  return { TTL: String(ttl), Urgency: URGENCY[content.priority], Topic: topicOf(content.category) };
}

/** RFC 8030 §5.4: at most 32 characters of the URL-safe base64 alphabet. */
export function topicOf(category: string | null): string {
  return `c${hash64(`category:${category ?? ''}`)}`;
}

/**
 * The JSON a push carries, as Declarative Web Push shapes it (`web_push: 8030`; Safari 18.4+ shows it without a
 * service worker when it names a page to open), with the inbox's own fields in `inbox` for our service worker.
 * Whatever the notification, it fits in one push: the body is shortened first (the inbox has it whole), then the
 * icon and the inbox's copy of the link go, then the title is shortened.
 */
export function pushPayload(content: PushContent): string {
  const navigate = content.actionUrl && /^https:\/\//i.test(content.actionUrl) ? content.actionUrl : undefined;
  const build = (title: string, body: string, lean: boolean) =>
    JSON.stringify({
      ...(navigate && { web_push: 8030 }),
      notification: { title, body, ...(navigate && { navigate }), ...(content.icon && !lean && { icon: content.icon }), tag: content.id },
      inbox: {
        id: content.id,
        category: content.category,
        priority: content.priority,
        action_url: lean && navigate ? null : content.actionUrl,
        created_at: new Date(content.createdAt).toISOString(),
      },
    });
  const full = build(content.title, content.body, false);
  if (fits(full)) return full;
  return (
    shortened(content.body, (body) => build(content.title, body, false)) ??
    shortened(content.body, (body) => build(content.title, body, true)) ??
    shortened(content.title, (title) => build(title, '', true)) ??
    build('', '', true)
  );
}

const fits = (json: string) => new TextEncoder().encode(json).length <= MAX_PAYLOAD_BYTES;

/** The JSON with the longest start of `text` (whole characters, then "…") that fits; null if none does. */
function shortened(text: string, make: (text: string) => string): string | null {
  const chars = [...text];
  const at = (n: number) => make(n > 0 ? `${chars.slice(0, n).join('')}…` : '');
  if (!fits(at(0))) return null;
  let [low, high] = [0, chars.length - 1];
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(at(mid))) low = mid;
    else high = mid - 1;
  }
  return at(low);
}
