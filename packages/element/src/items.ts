import type { Notification } from '@edge-inbox/client';
import { relativeTime } from './time';

/** A notification's row. Everything from the server goes in as text or a checked URL, never as HTML. */
export function itemFor(n: Notification, now: number): HTMLLIElement {
  const li = el('li', { part: 'item', tabindex: '-1', 'data-id': n.id, 'data-priority': n.priority });
  const icon = el('span', { part: 'icon', class: 'icon', 'aria-hidden': 'true' });
  const iconUrl = n.icon && /^(https?:|\/)/.test(n.icon) ? safeUrl(n.icon) : null;
  if (iconUrl) icon.append(el('img', { src: iconUrl, alt: '', loading: 'lazy' }));
  // By code point: a title that starts with an emoji must not show half of it.
  else icon.textContent = n.icon || ([...n.title][0] ?? '').toUpperCase();

  const title = el('p', { part: 'title', class: 'title' });
  title.append(el('span', { class: 'sr unread' }, 'Unread: '), n.title);
  if (n.priority === 'high' || n.priority === 'critical') title.append(el('span', { part: 'priority', class: 'priority' }, n.priority));
  const main = el('div', { class: 'main' }, title);
  if (n.body) main.append(el('p', { part: 'body', class: 'body' }, n.body));
  const meta = el('p', { class: 'meta' }, el('time', { part: 'time', datetime: n.created_at }, relativeTime(n.created_at, now)));
  const action = n.action_url && safeUrl(n.action_url);
  if (action) meta.append(el('a', { part: 'action', href: action, target: '_blank', rel: 'noopener noreferrer', 'aria-label': `Open: ${n.title}` }, 'Open'));
  main.append(meta);
  li.append(icon, main);
  setStatus(li, n);
  return li;
}

/** The only part of a notification that changes after it arrives. */
export function setStatus(li: HTMLLIElement, n: Notification): void {
  if (li.dataset.status === n.status) return;
  li.dataset.status = n.status;
  const pending = n.status === 'pending';
  (li.querySelector('.unread') as HTMLElement).hidden = !pending;
  li.querySelector('.ack')?.remove();
  if (pending) li.append(el('button', { part: 'ack', class: 'ack', 'aria-label': `Mark as read: ${n.title}` }, '✓'));
}

export function refreshTimes(list: HTMLElement, now: number): void {
  for (const time of list.querySelectorAll('time')) time.textContent = relativeTime(time.dateTime, now);
}

/** http(s) only: a `javascript:` action_url must not become a link. */
function safeUrl(url: string): string | null {
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string>, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}
