import { SignJWT } from 'jose';
import { base64url, fromBase64url } from '../core/hash';

// RFC 8292 (VAPID): each push carries a JWT signed with the deployment's P-256 key, whose audience is the push
// service's origin, so that the push service knows the sender is the one the browser subscribed with.

export interface VapidKeys {
  /** The uncompressed public point (65 bytes), base64url: what browsers take as `applicationServerKey`. */
  publicKey: string;
  /** The private scalar `d` (32 bytes), base64url. */
  privateKey: string;
  /** A `mailto:` or `https:` contact for the push service's operator (RFC 8292 §2.1). */
  subject: string;
}

/** RFC 8292 §2: `exp` no more than 24 hours ahead. Tokens are kept per origin and signed again with an hour left. */
export const TOKEN_LIFETIME_SECONDS = 12 * 60 * 60;
const RENEW_BEFORE_SECONDS = 60 * 60;

export function vapidKeysOf(env: { VAPID_PUBLIC_KEY?: string; VAPID_PRIVATE_KEY?: string; VAPID_SUBJECT?: string }): VapidKeys | null {
  if (!env.VAPID_PUBLIC_KEY || !env.VAPID_PRIVATE_KEY) return null;
  return { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject: env.VAPID_SUBJECT || 'mailto:push@example.com' };
}

/** The signer of one set of keys: `Authorization` values per push service origin, signed once an eleven hours or so. */
export function vapidSigner(keys: VapidKeys) {
  let signingKey: Promise<CryptoKey> | undefined;
  const tokens = new Map<string, { header: string; exp: number }>();
  return async (endpoint: URL, now = Date.now()): Promise<string> => {
    const audience = endpoint.origin;
    const seconds = Math.floor(now / 1000);
    const kept = tokens.get(audience);
    if (kept && kept.exp - seconds > RENEW_BEFORE_SECONDS) return kept.header;
    // WebCrypto's own import (jose's importJWK would bring its JWE tables into the bundle for nothing).
    signingKey ??= (async () => crypto.subtle.importKey('jwk', privateJwk(keys), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']))();
    // A key that does not import is tried again by the next job (and logged by it), not kept failed.
    signingKey.catch(() => (signingKey = undefined));
    const exp = seconds + TOKEN_LIFETIME_SECONDS;
    const jwt = await new SignJWT({ sub: keys.subject })
      .setProtectedHeader({ typ: 'JWT', alg: 'ES256' })
      .setAudience(audience)
      .setExpirationTime(exp)
      .sign(await signingKey);
    const header = `vapid t=${jwt}, k=${keys.publicKey}`;
    tokens.set(audience, { header, exp });
    return header;
  };
}

function privateJwk(keys: VapidKeys) {
  const point = fromBase64url(keys.publicKey);
  if (!point || point.length !== 65 || point[0] !== 4) throw new Error('VAPID_PUBLIC_KEY is not an uncompressed P-256 point (base64url)');
  return { kty: 'EC', crv: 'P-256', x: base64url(point.slice(1, 33)), y: base64url(point.slice(33, 65)), d: keys.privateKey };
}
