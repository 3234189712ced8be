import { errorOf, failure, type Fetch } from './http';
import type { Scheduler, StreamMessage } from './types';

/** What a live transport reports: each message, then its end (undefined: closed by the server). */
export interface Link {
  message(message: StreamMessage): void;
  end(error?: Error & { code?: string; status?: number }): void;
}

/** Closes a live transport; nothing is reported after. */
export type Close = () => void;

/**
 * Server-Sent Events parsing: feed decoded text in any pieces (a line or a CRLF may be split anywhere); calls
 * `onData` with each event's data. Only `data` matters: it is the whole message, with its type and cursor.
 */
export function sseParser(onData: (data: string) => void): (text: string) => void {
  let rest = '';
  let data: string[] = [];
  return (text) => {
    // A trailing CR may be the first half of a CRLF: keep it until the next piece.
    const lines = (rest + text).split(/\r\n|\r(?!$)|\n/);
    rest = lines.pop()!;
    for (const line of lines) {
      if (!line) {
        if (data.length) onData(data.join('\n'));
        data = [];
      } else {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        if (field == 'data') data.push(colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, ''));
      }
    }
  };
}

/**
 * The event stream read with fetch (the token and the D1 bookmark go in headers, the status of a refusal is
 * visible, and it works where EventSource does not exist). Ends when nothing, not even a heartbeat, came for `silentMs`.
 */
export function openSse(fetch: Fetch, url: string, headers: Record<string, string>, silentMs: number, scheduler: Scheduler, link: Link): Close {
  const abort = new AbortController();
  let timer: unknown;
  let over = false;
  const close = () => {
    over = true;
    scheduler.clearTimeout(timer);
    abort.abort();
  };
  const end = (error?: Error) => over || (close(), link.end(error));
  (async () => {
    const response = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal: abort.signal });
    if (!response.ok) return end(await errorOf(response, scheduler.now()));
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const push = sseParser((data) => over || link.message(JSON.parse(data)));
    for (;;) {
      scheduler.clearTimeout(timer);
      timer = scheduler.setTimeout(() => end(failure('STREAM_SILENT', 'The event stream went silent')), silentMs);
      const { done, value } = await reader.read();
      if (over) return;
      if (done) return end();
      push(decoder.decode(value, { stream: true }));
    }
  })().catch((error) => end(failure('NETWORK_ERROR', String(error))));
  return close;
}
