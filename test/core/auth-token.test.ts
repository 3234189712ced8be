import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyUserToken, type TokenConfig } from '../../src/core/auth-token';
import { DomainError, type AuthFailure } from '../../src/core/errors';
import { until } from '../helpers';

const SECRET = 'core-test-secret-core-test-secret-0123';
const hs = { jwtSecret: SECRET } satisfies TokenConfig;
const b64 = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

function sign(claims: JWTPayload, secret = SECRET, header: Record<string, unknown> = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', ...header })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
}

async function failure(token: string | undefined, config: TokenConfig = hs): Promise<AuthFailure | undefined> {
  try {
    await verifyUserToken(token, config);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('unauthenticated');
    return (error as DomainError).detail.auth;
  }
  throw new Error('token accepted');
}

describe('user tokens', () => {
  let es: CryptoKeyPair;
  let jwks: TokenConfig;

  beforeAll(async () => {
    es = (await generateKeyPair('ES256', { extractable: true })) as CryptoKeyPair;
    const rs = (await generateKeyPair('RS256', { extractable: true })) as CryptoKeyPair;
    const keys = [
      { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
    ];
    jwks = { ...hs, jwks: JSON.stringify({ keys }) };
  });

  it('accepts HS256 and reads sub, project, orgs and permissions', async () => {
    const token = await sign({ sub: 'alice', project: 'acme', orgs: ['o1', 'o1', 'o2'], permissions: ['notification:player:read'] });
    expect(await verifyUserToken(token, hs)).toEqual({
      kind: 'user',
      userId: 'alice',
      projectId: 'acme',
      orgs: ['o1', 'o2'],
      permissions: ['notification:player:read'],
    });
  });

  it('puts a token without a project claim in the default project, with no permissions claim', async () => {
    const user = await verifyUserToken(await sign({ sub: 'bob' }), hs);
    expect(user.projectId).toBe('default');
    expect(user.orgs).toEqual([]);
    expect(user.permissions).toBeNull();
  });

  it('accepts ES256 from a JWK set, by kid', async () => {
    const token = await new SignJWT({ sub: 'carol' })
      .setProtectedHeader({ alg: 'ES256', kid: 'es-1' })
      .setExpirationTime('5m')
      .sign(es.privateKey);
    expect((await verifyUserToken(token, jwks)).userId).toBe('carol');
  });

  it('names each failure', async () => {
    expect(await failure(undefined)).toBe('missing');
    expect(await failure('not-a-token')).toBe('not_jwt');
    expect(await failure('a.b.c')).toBe('malformed');
    expect(await failure(await sign({ sub: 'alice' }, 'another-secret-another-secret-0123'))).toBe('bad_signature');
    const expired = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(SECRET));
    expect(await failure(expired)).toBe('expired');
    const early = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setNotBefore('1h')
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(SECRET));
    expect(await failure(early)).toBe('not_yet_valid');
  });

  it('rejects alg none, and an algorithm no configured key allows', async () => {
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 60 })}.`;
    expect(await failure(none)).toBe('alg_not_allowed');
    const es256 = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'ES256', kid: 'es-1' }).setExpirationTime('5m').sign(es.privateKey);
    expect(await failure(es256, hs)).toBe('alg_not_allowed');
    // An HS256 token is refused when no secret is configured, even if a JWK set is.
    expect(await failure(await sign({ sub: 'alice' }), { jwks: jwks.jwks })).toBe('alg_not_allowed');
  });

  it('rejects an unknown kid', async () => {
    const other = (await generateKeyPair('ES256')) as CryptoKeyPair;
    const token = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'ES256', kid: 'nope' }).setExpirationTime('5m').sign(other.privateKey);
    expect(await failure(token, jwks)).toBe('unknown_kid');
  });

  it('rejects missing or malformed claims, and a wrong issuer or audience', async () => {
    expect(await failure(await sign({}))).toBe('invalid_claim');
    expect(await failure(await sign({ sub: '' }))).toBe('invalid_claim');
    expect(await failure(await sign({ sub: 'a', project: 'Bad Project!' }))).toBe('invalid_claim');
    expect(await failure(await sign({ sub: 'a', orgs: 'o1' }))).toBe('invalid_claim');
    expect(await failure(await sign({ sub: 'a', orgs: Array.from({ length: 51 }, (_, i) => `o${i}`) }))).toBe('invalid_claim');
    expect(await failure(await sign({ sub: 'a', permissions: [1] }))).toBe('invalid_claim');
    const noExp = await new SignJWT({ sub: 'a' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    expect(await failure(noExp)).toBe('invalid_claim');
    const config = { ...hs, issuer: 'https://id.example', audience: 'inbox' };
    expect(await failure(await sign({ sub: 'a', iss: 'https://evil.example', aud: 'inbox' }), config)).toBe('invalid_claim');
    expect(await failure(await sign({ sub: 'a', iss: 'https://id.example', aud: 'other' }), config)).toBe('invalid_claim');
    expect((await verifyUserToken(await sign({ sub: 'a', iss: 'https://id.example', aud: 'inbox' }), config)).userId).toBe('a');
  });

  it('remembers a verified token only for its own configuration and only until it expires', async () => {
    // At least a whole second of validity, wherever in a second the test starts.
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({ sub: 'brief' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(SECRET));
    expect((await verifyUserToken(token, hs)).userId).toBe('brief');
    expect((await verifyUserToken(token, hs)).userId).toBe('brief');
    // The same string under another secret is checked afresh (and fails).
    expect(await failure(token, { jwtSecret: 'another-secret-another-secret-0123456' })).toBe('bad_signature');
    const principal = await verifyUserToken(token, hs);
    expect(Object.isFrozen(principal) && Object.isFrozen(principal.orgs)).toBe(true);
    await until(async () => Date.now() >= exp * 1000 + 1000, 5000);
    expect(await failure(token)).toBe('expired');
  });
});
