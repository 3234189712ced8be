import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { unauthenticated, type AuthFailure } from './errors';
import { DEFAULT_PROJECT, PROJECT_ID, type UserPrincipal } from './principal';

export interface TokenConfig {
  jwtSecret?: string;
  /** A JSON JWK set (RS256/ES256 public keys). */
  jwks?: string;
  /** Where to fetch a JWK set from; jose caches it and refetches on an unknown kid. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

const ASYMMETRIC = ['RS256', 'ES256'] as const;
const MAX_ORGS = 50;
const MAX_ID_LENGTH = 256;

// Keys live as long as the isolate, so a remote set is fetched once and an HMAC key imported once,
// not per request.
const remoteSets = new Map<string, JWTVerifyGetKey>();
const localSets = new Map<string, JWTVerifyGetKey>();
const hmacKeys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    hmacKeys.set(secret, key);
  }
  return key;
}

// A client polls with the same token again and again: a verified token (the exact string, under the
// same configuration) is remembered until its `exp`, which is checked on every use. A token is
// immutable, so this skips only work whose answer cannot have changed.
const VERIFIED_CAPACITY = 1000;
const verified = new Map<string, { principal: UserPrincipal; expiresAt: number }>();

function remember(key: string, principal: UserPrincipal, exp: number) {
  if (verified.size >= VERIFIED_CAPACITY) verified.delete(verified.keys().next().value!);
  verified.set(key, { principal, expiresAt: exp * 1000 });
}

/** Verifies a user token and returns the caller; every failure says which check failed. */
export async function verifyUserToken(token: string | undefined, config: TokenConfig, now = Date.now()): Promise<UserPrincipal> {
  if (!token) throw unauthenticated('missing', 'No token was sent');
  const key = `${config.jwtSecret ?? ''}\u0000${config.jwks ?? ''}\u0000${config.jwksUrl ?? ''}\u0000${config.issuer ?? ''}\u0000${config.audience ?? ''}\u0000${token}`;
  const known = verified.get(key);
  if (known && now < known.expiresAt) return known.principal;
  verified.delete(key);

  if (token.split('.').length !== 3) throw unauthenticated('not_jwt', 'The token is not a JWT');

  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
    decodeJwt(token);
  } catch {
    throw unauthenticated('malformed', 'The token cannot be decoded');
  }

  const payload = await verifySignature(token, alg, config);
  // Frozen: the same object answers every request with this token.
  const principal = principalFrom(payload);
  Object.freeze(principal.orgs);
  if (principal.permissions) Object.freeze(principal.permissions);
  Object.freeze(principal);
  remember(key, principal, payload.exp!);
  return principal;
}

async function verifySignature(token: string, alg: string | undefined, config: TokenConfig): Promise<JWTPayload> {
  const options = {
    issuer: config.issuer || undefined,
    audience: config.audience || undefined,
    requiredClaims: ['exp', 'sub'],
  };
  try {
    if (alg === 'HS256' && config.jwtSecret) {
      return (await jwtVerify(token, await hmacKey(config.jwtSecret), { ...options, algorithms: ['HS256'] })).payload;
    }
    const keySet = asymmetricKeys(config);
    if (keySet && (ASYMMETRIC as readonly string[]).includes(alg ?? '')) {
      return (await jwtVerify(token, keySet, { ...options, algorithms: [...ASYMMETRIC] })).payload;
    }
  } catch (error) {
    throw unauthenticated(...describe(error));
  }
  throw unauthenticated('alg_not_allowed', `Tokens signed with ${alg ?? 'no algorithm'} are not accepted`);
}

function asymmetricKeys(config: TokenConfig): JWTVerifyGetKey | undefined {
  if (config.jwks) {
    let set = localSets.get(config.jwks);
    if (!set) {
      set = createLocalJWKSet(JSON.parse(config.jwks));
      localSets.set(config.jwks, set);
    }
    return set;
  }
  if (config.jwksUrl) {
    let set = remoteSets.get(config.jwksUrl);
    if (!set) {
      set = createRemoteJWKSet(new URL(config.jwksUrl));
      remoteSets.set(config.jwksUrl, set);
    }
    return set;
  }
  return undefined;
}

function describe(error: unknown): [AuthFailure, string] {
  if (error instanceof errors.JWTExpired) return ['expired', 'The token has expired'];
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return ['not_yet_valid', 'The token is not valid yet'];
    return ['invalid_claim', `The token's ${error.claim} claim is not acceptable`];
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return ['bad_signature', 'The token signature is invalid'];
  if (error instanceof errors.JWKSNoMatchingKey) return ['unknown_kid', 'No key matches the token key id'];
  if (error instanceof errors.JOSEAlgNotAllowed) return ['alg_not_allowed', 'The token algorithm is not accepted'];
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return ['malformed', 'The token cannot be decoded'];
  }
  // The token decoded; what failed is fetching or reading the configured keys.
  return ['unverifiable', 'The signing keys could not be loaded'];
}

function principalFrom(payload: JWTPayload): UserPrincipal {
  const claim = (name: string) => unauthenticated('invalid_claim', `The token's ${name} claim is not acceptable`);
  const { sub, project, orgs, permissions } = payload as JWTPayload & Record<string, unknown>;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_ID_LENGTH) throw claim('sub');
  if (project !== undefined && (typeof project !== 'string' || !PROJECT_ID.test(project))) throw claim('project');
  if (orgs !== undefined && !isIdList(orgs, MAX_ORGS)) throw claim('orgs');
  if (permissions !== undefined && !isIdList(permissions, 100)) throw claim('permissions');
  return {
    kind: 'user',
    projectId: (project as string | undefined) ?? DEFAULT_PROJECT,
    userId: sub,
    orgs: [...new Set((orgs as string[] | undefined) ?? [])],
    permissions: (permissions as string[] | undefined) ?? null,
  };
}

function isIdList(value: unknown, max: number): value is string[] {
  return (
    Array.isArray(value) &&
    value.length <= max &&
    value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH)
  );
}
