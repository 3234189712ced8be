import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

// A browser's WebSocket cannot set headers, and a token in its URL ends up in access logs. What it can
// send is a list of subprotocols (Sec-WebSocket-Protocol): our client offers `edge-inbox`, and with it
// `bearer.<token>` and `bookmark.<D1 bookmark>` (both are made of characters a subprotocol may hold). The
// server answers with `edge-inbox` alone, as the WebSocket handshake requires it to pick one it was offered.

/** The subprotocol the server accepts: offered, it also asks for refusals as close codes (refuseAsClose). */
export const SOCKET_PROTOCOL = 'edge-inbox';

const offered = (c: Context<AppEnv>) => (c.req.header('sec-websocket-protocol') ?? '').split(',').map((each) => each.trim());

/** Whether the request offered `edge-inbox`. */
export const offersSocketProtocol = (c: Context<AppEnv>) => offered(c).includes(SOCKET_PROTOCOL);

/** The value of an offered `<name>.<value>` subprotocol (`bearer`, `bookmark`), when `edge-inbox` is offered too. */
export function socketCredential(c: Context<AppEnv>, name: 'bearer' | 'bookmark'): string | undefined {
  if (!offersSocketProtocol(c)) return undefined;
  const prefix = `${name}.`;
  return offered(c).find((each) => each.startsWith(prefix))?.slice(prefix.length) || undefined;
}

/** The first of a close reason's 123 bytes that fit: a refusal's code and, for 429/503, when to retry. */
const reasonOf = (code: string, retryAfter: string | null) =>
  JSON.stringify(retryAfter && /^\d+$/.test(retryAfter) ? { code, retry_after: Number(retryAfter) } : { code });

/**
 * A browser sees a refused upgrade only as close code 1006, without its status or why. A client that
 * offers `edge-inbox` gets the refusal as a socket accepted and closed at once with code 4000 + the
 * status (4400, 4401, 4403, 4409, 4429, 4503) and the reason `{"code", "retry_after"?}`; any other client
 * keeps the plain HTTP answer. Registered first on the WebSocket route, so that it sees every refusal.
 */
export const refuseAsClose: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const refused = c.res;
  if (refused.status < 400 || refused.status > 599 || !offersSocketProtocol(c) || c.req.header('upgrade')?.toLowerCase() !== 'websocket') return;
  const body = (await refused
    .clone()
    .json()
    .catch(() => null)) as { error?: { code?: string } } | null;
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  server.close(4000 + refused.status, reasonOf(body?.error?.code ?? `HTTP_${refused.status}`, refused.headers.get('retry-after')));
  c.res = new Response(null, { status: 101, webSocket: client, headers: { 'sec-websocket-protocol': SOCKET_PROTOCOL } });
};
