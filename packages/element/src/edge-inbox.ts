import { createInbox, updateAppBadge, type Inbox, type InboxState, type PushStatus, type Transport } from '@edge-inbox/client';
import { itemFor, refreshTimes, setStatus } from './items';
import { place } from './place';
import { SHEET, STYLES, VISUALLY_HIDDEN } from './styles';

const BELL =
  '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="M12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2Zm6-6v-5a6 6 0 0 0-5-5.9V4a1 1 0 1 0-2 0v1.1A6 6 0 0 0 6 11v5l-2 2v1h16v-1l-2-2Z"/></svg>';

const TEMPLATE = `<style>${STYLES}${VISUALLY_HIDDEN}</style>
<button class="bell" part="bell" aria-label="Notifications" aria-haspopup="dialog" aria-expanded="false" aria-controls="panel">${BELL}<span class="badge" part="badge" aria-hidden="true" hidden></span></button>
<div class="scrim" part="scrim" popover="manual" hidden></div>
<div id="panel" class="panel" part="panel" role="dialog" aria-labelledby="title" popover="manual" hidden>
<header part="header"><h2 id="title" part="heading" tabindex="-1">Notifications</h2><button class="link" part="ack-all">Mark all as read</button><button class="close" part="close" aria-label="Close">×</button></header>
<p class="note" part="status" role="status"></p>
<ul part="list" aria-labelledby="title"></ul>
<button class="more" part="more" hidden>Load more</button>
<footer part="push" hidden><button class="switch" part="push-toggle" role="switch" aria-checked="false">Notify me when this page is closed<i aria-hidden="true"></i></button><p class="hint" part="push-hint"></p></footer>
</div>`;

/** Why the toggle is off and cannot be turned on, in the words a user needs (the client's PushStatus). */
const PUSH_HINTS: Record<string, string> = {
  denied: 'Notifications are blocked for this site. Allow them in your browser’s site settings to turn this on.',
  'needs-home-screen': 'On iPhone and iPad, add this app to your Home Screen (Share, then Add to Home Screen) to be notified when it is closed.',
  unsupported: 'This browser cannot notify you when the page is closed.',
};

const TRANSPORTS = ['auto', 'websocket', 'sse', 'poll'];

/**
 * Where the inbox is when `base-url` is not given: the origin this script came from, which is right when a page
 * loads it from the inbox's own origin (`<script type="module" src="https://inbox.example/inbox/edge-inbox.js">`).
 */
const SCRIPT_ORIGIN = /^https?:/.test(import.meta.url) ? new URL(import.meta.url).origin : undefined;

/**
 * `<edge-inbox>`: a bell with the pending count that opens a feed. Attributes: `base-url`, `token`, `transport`
 * (`auto`, `websocket`, `sse`, `poll`), `open`, `inline` (the feed in place, always shown, no bell), `theme` (`light`,
 * `dark`), `placement` (`left`: the panel opens toward the right), `page-size` (1–100, default 50). Property
 * `tokenProvider`: a function returning the user's JWT, asked again after a 401. Fires `edge-inbox-change` (detail:
 * the client's state) after every change. `push-worker`: the service worker script that shows pushes (default: the
 * inbox's `/inbox/sw.js`, which only a page of the inbox's own origin can register); `push="off"` hides the toggle.
 * `app-badge`: the installed app's icon shows the pending count (Badging API). Below 480 px wide the panel is a
 * sheet along the bottom of the screen; above, a popover kept inside the viewport next to the bell.
 */
export class EdgeInboxElement extends HTMLElement {
  // A getter rather than a static field: that would be a class static block for browsers before Safari 16.4.
  static get observedAttributes() {
    return ['base-url', 'token', 'transport', 'page-size', 'open', 'inline', 'push', 'push-worker', 'app-badge'];
  }

  #root = this.attachShadow({ mode: 'open' });
  #tokenProvider?: () => string | Promise<string>;
  #inbox?: Inbox;
  #unsubscribe?: () => void;
  #items = new Map<string, HTMLLIElement>();
  #restartQueued = false;
  #ticker?: ReturnType<typeof setInterval>;
  #actionError?: string;
  /** Whether the first page is in: until then the list is busy and says "Loading…", not "all caught up". */
  #loaded = false;
  /** The count the app's icon badge was last given by this element. */
  #appBadge?: number;
  /** The animation frame in which the open popover is placed again. */
  #frame = 0;
  /** Android's back gesture (and Escape) closing the open panel, where the browser has CloseWatcher. */
  #closeWatcher?: { onclose: (() => void) | null; destroy(): void };

  constructor() {
    super();
    this.#root.innerHTML = TEMPLATE;
    this.#part('bell').onclick = () => (this.open ? this.#close(true) : this.#show(true));
    this.#part('close').onclick = () => this.#close(true);
    // Both buttons may go away (disabled, hidden) with what they do: keep a keyboard user inside the panel.
    this.#part('ack-all').onclick = () => {
      this.#part('heading').focus();
      this.#act(this.#inbox?.acknowledgeAll());
    };
    this.#part('more').onclick = () =>
      this.#act(
        this.#inbox?.loadMore().then(() => {
          if (this.#part('more').hidden) (this.#part('list').lastElementChild as HTMLElement | null)?.focus();
        }),
      );
    this.#part('list').onclick = (event) => {
      const button = (event.target as Element).closest('.ack');
      const item = button?.closest('li');
      if (!item) return;
      // The button goes away with the acknowledgement: keep the keyboard user on the row.
      item.focus();
      this.#act(this.#inbox?.acknowledge(item.dataset.id!));
    };
    this.#part('panel').onkeydown = (event) => this.#onKey(event);
    // Behind the sheet: a tap on it closes the sheet (a drag does nothing), reaches nothing of the page and leaves the
    // focus where it is, for the close to give it back to the bell.
    const scrim = this.#part('scrim');
    scrim.onmousedown = (event) => event.preventDefault();
    scrim.onclick = () => this.#close(true);
    // The click is the user's gesture that browsers require before they ask for permission.
    this.#part('push-toggle').onclick = () => this.#togglePush();
    // Set on the element before this class was defined (a script that ran first): take it through the setter.
    if (Object.prototype.hasOwnProperty.call(this, 'tokenProvider')) {
      const provider = (this as { tokenProvider?: () => string | Promise<string> }).tokenProvider;
      delete (this as { tokenProvider?: unknown }).tokenProvider;
      this.tokenProvider = provider;
    }
  }

  get tokenProvider() {
    return this.#tokenProvider;
  }
  set tokenProvider(provider: (() => string | Promise<string>) | undefined) {
    this.#tokenProvider = provider;
    this.#restart();
  }

  /** The client underneath (`@edge-inbox/client`), once the element has a token and is in the page. */
  get inbox(): Inbox | undefined {
    return this.#inbox;
  }

  get open(): boolean {
    return !this.#part('panel').hidden;
  }
  set open(open: boolean) {
    open ? this.#show(false) : this.#close(false);
  }

  connectedCallback() {
    this.#restart();
    this.#layout();
    addEventListener('online', this.#onNetwork);
    addEventListener('offline', this.#onNetwork);
    document.addEventListener('visibilitychange', this.#onVisible);
  }

  disconnectedCallback() {
    removeEventListener('online', this.#onNetwork);
    removeEventListener('offline', this.#onNetwork);
    document.removeEventListener('visibilitychange', this.#onVisible);
    this.#restart();
    this.#close(false);
    this.#hidePanel();
  }

  attributeChangedCallback(name: string) {
    if (name === 'open') this.open = this.hasAttribute('open');
    else if (name === 'inline') this.#layout();
    else if (name === 'app-badge') this.#inbox && this.#render(this.#inbox.state);
    else this.#restart();
  }

  // Inline, the feed is a region of the page that is always there; otherwise a dialog the bell opens.
  #layout() {
    const inline = this.hasAttribute('inline');
    const panel = this.#part('panel');
    // Whatever the other mode had open goes with it: listeners, and what the bell says.
    this.#unlisten();
    this.#part('bell').setAttribute('aria-expanded', 'false');
    this.#hidePanel();
    panel.setAttribute('role', inline ? 'region' : 'dialog');
    panel.removeAttribute('aria-modal');
    // Popovers go in the top layer, above everything and clipped by no scrolled or overflow-hidden ancestor.
    if (inline) panel.removeAttribute('popover');
    else panel.setAttribute('popover', 'manual');
    if (inline) this.#showPanel();
    else if (this.hasAttribute('open')) this.#show(false);
  }

  // Several attributes set in a row start one client.
  #restart() {
    if (this.#restartQueued) return;
    this.#restartQueued = true;
    queueMicrotask(() => {
      this.#restartQueued = false;
      this.#unsubscribe?.();
      this.#inbox?.stop();
      this.#inbox = undefined;
      for (const item of this.#items.values()) item.remove();
      this.#items.clear();
      this.#loaded = false;
      this.#setNote('', false);
      const token = this.#tokenProvider ?? this.getAttribute('token');
      const baseUrl = this.getAttribute('base-url') ?? SCRIPT_ORIGIN;
      if (!this.isConnected || !token || !baseUrl) return;
      const transport = this.getAttribute('transport') ?? 'auto';
      const pageSize = this.getAttribute('page-size');
      let inbox: Inbox;
      try {
        inbox = createInbox({
          baseUrl,
          token,
          transport: (TRANSPORTS.includes(transport) ? transport : 'auto') as Transport,
          pageSize: pageSize === null ? undefined : Number(pageSize),
          // push="off": this element leaves the browser's push subscription alone (another element, or none, manages it).
          ...(this.getAttribute('push') === 'off' && { pushPlatform: null }),
        });
      } catch (error) {
        // A setting the client refuses (a page-size out of range): say which, rather than throw in a microtask.
        this.#setNote((error as Error).message, true);
        return;
      }
      this.#inbox = inbox;
      this.#unsubscribe = inbox.subscribe((state) => this.#render(state));
      this.#render(inbox.state);
      this.#showPush();
      // A failed start is in the state (status and error), which is what the panel shows.
      inbox.start().then(
        () => {
          if (this.#inbox !== inbox) return;
          this.#loaded = true;
          this.#render(inbox.state);
        },
        () => {},
      );
    });
  }

  #render(state: InboxState) {
    const { counts, notifications, hasMore } = state;
    const badge = this.#part('badge');
    badge.hidden = counts.pending === 0;
    badge.textContent = counts.pending > 99 ? '99+' : String(counts.pending);
    this.#part('bell').setAttribute('aria-label', counts.pending ? `Notifications, ${counts.pending} unread` : 'Notifications, none unread');
    (this.#part('ack-all') as HTMLButtonElement).disabled = counts.pending === 0;
    this.#part('more').hidden = !hasMore;
    this.#showAppBadge(counts.pending);

    this.#setNote(...this.#note(state));

    const list = this.#part('list');
    list.setAttribute('aria-busy', String(!this.#loaded));
    const now = Date.now();
    const shown = new Set<string>();
    let previous: Element | null = null;
    for (const notification of notifications) {
      shown.add(notification.id);
      let item = this.#items.get(notification.id);
      if (item) setStatus(item, notification);
      else this.#items.set(notification.id, (item = itemFor(notification, now)));
      const expected: Element | null = previous ? previous.nextElementSibling : list.firstElementChild;
      if (expected !== item) list.insertBefore(item, expected);
      previous = item;
    }
    for (const [id, item] of this.#items) {
      if (shown.has(id)) continue;
      item.remove();
      this.#items.delete(id);
    }
    this.dispatchEvent(new CustomEvent('edge-inbox-change', { detail: state }));
  }

  // A live region: written only when it changes, so that a screen reader says it once.
  #setNote(text: string, failed: boolean) {
    const note = this.#part('status');
    if (note.textContent !== text) note.textContent = text;
    note.classList.toggle('error', failed);
  }

  /** The line above the list: what is wrong, or why there is nothing to show. */
  #note({ status, error, notifications }: InboxState): [text: string, failed: boolean] {
    if (navigator.onLine === false) return ['You are offline. New notifications will show when you are back.', true];
    if (status === 'offline') {
      // A network failure is also what a page sees whose origin the inbox does not allow: the browser hides the answer.
      return [error?.status ? `The inbox answered ${error.code}. Retrying…` : 'Cannot reach the inbox. Retrying…', true];
    }
    if (status === 'stopped' && error) return [`The inbox refused this page (${error.code}).`, true];
    if (status === 'replaced') return ['This inbox is open in another window.', false];
    if (this.#actionError) return [this.#actionError, true];
    if (!this.#loaded) return ['Loading…', false];
    return [notifications.length ? '' : 'You are all caught up.', false];
  }

  /** Where pushes are shown: the page's own worker, or ours when the inbox is on this page's origin; else none. */
  #pushWorker(): string | undefined {
    const given = this.getAttribute('push-worker');
    if (given) return given;
    const base = this.getAttribute('base-url') ?? SCRIPT_ORIGIN;
    return base && new URL(base, location.href).origin === location.origin ? undefined : '';
  }

  /** The toggle, as this browser's push status says (hidden where push cannot be set up from this page). */
  #showPush(status?: PushStatus, hint = '') {
    const footer = this.#part('push');
    const worker = this.#pushWorker();
    const inbox = this.#inbox;
    if (!inbox || this.getAttribute('push') === 'off' || worker === '') return void (footer.hidden = true);
    if (!status) {
      inbox.pushStatus({ serviceWorker: worker }).then((s) => this.#inbox === inbox && this.#showPush(s), () => this.#showPush('unsupported'));
      return;
    }
    const toggle = this.#part('push-toggle') as HTMLButtonElement;
    footer.hidden = false;
    toggle.setAttribute('aria-checked', String(status === 'enabled'));
    toggle.disabled = status in PUSH_HINTS;
    this.#part('push-hint').textContent = hint || PUSH_HINTS[status] || '';
  }

  #togglePush() {
    const inbox = this.#inbox;
    const toggle = this.#part('push-toggle') as HTMLButtonElement;
    if (!inbox) return;
    const on = toggle.getAttribute('aria-checked') !== 'true';
    toggle.disabled = true;
    const options = { serviceWorker: this.#pushWorker() };
    (on ? inbox.enablePush(options) : inbox.disablePush(options)).then(
      (status) => this.#showPush(status, status === 'enabled' ? 'You will be notified here when this page is closed.' : ''),
      (error: { code?: string; message?: string }) =>
        inbox.pushStatus(options).then((status) => this.#showPush(status, PUSH_HINTS[status] ? '' : `That did not work (${error.code ?? error.message}).`)),
    );
  }

  #act(action: Promise<unknown> | undefined) {
    this.#actionError = undefined;
    action?.catch((error: { code?: string }) => {
      this.#actionError = `That did not go through (${error.code ?? 'error'}). Try again.`;
      if (this.#inbox) this.#render(this.#inbox.state);
    });
  }

  #show(moveFocus: boolean) {
    if (this.open || this.hasAttribute('inline')) return;
    this.#showPanel();
    this.#part('bell').setAttribute('aria-expanded', 'true');
    this.toggleAttribute('open', true);
    document.addEventListener('pointerdown', this.#onOutside, true);
    document.addEventListener('keydown', this.#onEscape);
    const Watcher = (globalThis as any).CloseWatcher;
    if (Watcher) (this.#closeWatcher = new Watcher()).onclose = () => this.#close(true);
    if (moveFocus) this.#part('heading').focus();
  }

  #close(focusBell: boolean) {
    if (!this.open || this.hasAttribute('inline')) return;
    this.#hidePanel();
    this.#part('bell').setAttribute('aria-expanded', 'false');
    this.toggleAttribute('open', false);
    this.#unlisten();
    if (focusBell) this.#part('bell').focus();
  }

  #unlisten() {
    document.removeEventListener('pointerdown', this.#onOutside, true);
    document.removeEventListener('keydown', this.#onEscape);
    this.#closeWatcher?.destroy();
    this.#closeWatcher = undefined;
  }

  #showPanel() {
    this.#part('panel').hidden = false;
    if (this.isConnected && !this.hasAttribute('inline')) {
      // The scrim first: the top layer stacks in the order shown. Where the Popover API is missing (before Safari 17)
      // both are still fixed, only not in the top layer.
      for (const layer of [this.#part('scrim'), this.#part('panel')]) {
        layer.hidden = false;
        if (layer.showPopover && !layer.matches(':popover-open')) layer.showPopover();
      }
      this.#place();
      addEventListener('scroll', this.#follow, { capture: true, passive: true });
      addEventListener('resize', this.#follow);
      visualViewport?.addEventListener('resize', this.#follow);
    }
    refreshTimes(this.#part('list'), Date.now());
    // Times only change on screen while someone can see them.
    clearInterval(this.#ticker);
    this.#ticker = setInterval(() => refreshTimes(this.#part('list'), Date.now()), 30_000);
  }

  #hidePanel() {
    for (const layer of [this.#part('panel'), this.#part('scrim')]) {
      layer.hidden = true;
      if (layer.hidePopover && layer.matches(':popover-open')) layer.hidePopover();
    }
    removeEventListener('scroll', this.#follow, true);
    removeEventListener('resize', this.#follow);
    visualViewport?.removeEventListener('resize', this.#follow);
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    clearInterval(this.#ticker);
  }

  /** Next to the bell, inside the viewport (the stylesheet ignores this where the panel is a sheet). */
  #place() {
    const panel = this.#part('panel');
    // The sheet covers the page: a screen reader keeps to it. The popover leaves the page as it is.
    panel.setAttribute('aria-modal', String(matchMedia(SHEET).matches));
    // Measured at the height it would take anywhere, so that a side it was squeezed into is not kept for good.
    panel.style.removeProperty('--_room');
    const { top, bottom, left, room } = place(
      this.#part('bell').getBoundingClientRect(),
      panel.getBoundingClientRect(),
      { width: document.documentElement.clientWidth, height: innerHeight },
      this.getAttribute('placement') === 'left',
    );
    for (const [name, value] of Object.entries({ top, bottom, left, room })) panel.style.setProperty(`--_${name}`, value === undefined ? 'auto' : `${value}px`);
  }

  // Once per frame however many scroll and resize events come.
  #follow = () => {
    this.#frame ||= requestAnimationFrame(() => {
      this.#frame = 0;
      this.#place();
    });
  };

  // The browser knows before any request fails: say so at once, and take it back as soon as it is over.
  #onNetwork = () => {
    if (this.#inbox) this.#render(this.#inbox.state);
  };

  // Back in sight: the service worker may have counted pushes on the badge meanwhile; the server's count wins again.
  #onVisible = () => {
    if (document.visibilityState !== 'visible' || !this.#inbox) return;
    this.#appBadge = undefined;
    this.#showAppBadge(this.#inbox.state.counts.pending);
  };

  // A press anywhere but the panel and the bell closes it; the focus goes back to the bell unless the press lands on
  // something that takes it.
  #onOutside = (event: Event) => {
    if (!event.composedPath().includes(this)) this.#close(!!this.#root.activeElement);
  };

  // Escape closes the panel from wherever the focus is, and gives focus back to the bell.
  #onEscape = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || event.defaultPrevented) return;
    event.preventDefault();
    this.#close(true);
  };

  // Arrows move between notifications (Tab reaches their buttons).
  #onKey(event: KeyboardEvent) {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const items = [...this.#part('list').children] as HTMLElement[];
    if (!items.length) return;
    event.preventDefault();
    const current = items.findIndex((item) => item.contains(this.#root.activeElement));
    const next = event.key === 'ArrowDown' ? Math.min(current + 1, items.length - 1) : Math.max(current - 1, 0);
    items[next]!.focus();
  }

  #showAppBadge(pending: number) {
    if (!this.hasAttribute('app-badge')) {
      // Taken off: the badge is no longer this element's to keep.
      if (this.#appBadge !== undefined) updateAppBadge(null);
      this.#appBadge = undefined;
    } else if (this.#loaded && pending !== this.#appBadge) {
      // Not before the first page: a zero that only means "not loaded yet" would clear a true badge.
      updateAppBadge((this.#appBadge = pending));
    }
  }

  #part(name: string): HTMLElement {
    return this.#root.querySelector(`[part~="${name}"]`)!;
  }
}
