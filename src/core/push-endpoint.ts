import { invalidParameter } from './errors';
import { fromBase64url } from './hash';

// What a browser's PushSubscription must be before we will POST to it (issue 27): its endpoint is a URL the
// service fetches later from the push queue, so it is checked as any outbound URL a user hands us is.

export const MAX_ENDPOINT_LENGTH = 2048;

export interface EndpointRules {
  /** `npm start`'s development setting (PUSH_LOCAL_ENDPOINTS): `http://127.0.0.1:<port>` and `localhost` are accepted too. */
  allowLocal: boolean;
}

/** Names that never lead to a public push service. */
const LOCAL_NAMES = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|localdomain)$/i;

/** Throws a 400 naming `endpoint` unless it is an https URL of a public host (or, in development, a local one). */
export function checkEndpoint(endpoint: string, { allowLocal }: EndpointRules): URL {
  if (endpoint.length > MAX_ENDPOINT_LENGTH) throw invalidParameter('endpoint', `endpoint must be at most ${MAX_ENDPOINT_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalidParameter('endpoint', 'endpoint must be an absolute URL');
  }
  if (url.username || url.password) throw invalidParameter('endpoint', 'endpoint must not carry credentials');
  // "localhost." is localhost: names are judged without their trailing dot.
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '').toLowerCase();
  if (allowLocal && isLoopback(host) && (url.protocol === 'http:' || url.protocol === 'https:')) return url;
  if (url.protocol !== 'https:') throw invalidParameter('endpoint', 'endpoint must be an https: URL (RFC 8030)');
  if (LOCAL_NAMES.test(host) || isPrivateAddress(host)) throw invalidParameter('endpoint', 'endpoint must be a public push service, not a private or local host');
  return url;
}

/** What `npm start`'s stand-in push service listens on: this machine, and nothing else. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** IP literals of loopback, private, link-local, shared and unique-local ranges; single-label names. */
export function isPrivateAddress(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '').toLowerCase();
  if (host.includes(':')) return isPrivateV6(host);
  const v4 = host.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 || a === 10 || a === 127 || a >= 224 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 198 && (b === 18 || b === 19))
    );
  }
  // A name without a dot resolves only on someone's own network; a number alone is an IPv4 address in disguise.
  return !host.includes('.') || /^[\d.]+$/.test(host) || /^0x/i.test(host);
}

/**
 * Unique-local, link-local and multicast; and every form that carries an IPv4 address (compatible and mapped `::…`,
 * NAT64 `64:ff9b::`, 6to4 `2002:`): push services publish names, not such literals, so none is needed.
 */
function isPrivateV6(host: string): boolean {
  return host.startsWith('::') || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || /^ff/.test(host) || /^64:ff9b:/.test(host) || /^2002:/.test(host);
}

/** The browser's keys, decoded and checked (RFC 8291 §3: an uncompressed P-256 point and a 16-byte secret). */
export async function checkKeys(keys: { p256dh: string; auth: string }): Promise<void> {
  const point = decode(keys.p256dh, 'keys.p256dh');
  if (point.length !== 65 || point[0] !== 4) throw invalidParameter('keys.p256dh', 'keys.p256dh must be an uncompressed P-256 public key (65 bytes, base64url)');
  try {
    await crypto.subtle.importKey('raw', point, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  } catch {
    throw invalidParameter('keys.p256dh', 'keys.p256dh is not a point on the P-256 curve');
  }
  if (decode(keys.auth, 'keys.auth').length !== 16) throw invalidParameter('keys.auth', 'keys.auth must be 16 bytes, base64url');
}

function decode(text: string, parameter: string): Uint8Array {
  const bytes = fromBase64url(text.replace(/=+$/, ''));
  if (!bytes) throw invalidParameter(parameter, `${parameter} must be base64url`);
  return bytes;
}
