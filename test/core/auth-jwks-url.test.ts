import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { verifyUserToken } from '../../src/core/auth-token';
import { DomainError } from '../../src/core/errors';

afterEach(() => vi.restoreAllMocks());

describe('user tokens checked against JWT_JWKS_URL', () => {
  it('fetches the key set once and caches it for later tokens', async () => {
    const { publicKey, privateKey } = (await generateKeyPair('RS256', { extractable: true })) as CryptoKeyPair;
    const keys = [{ ...(await exportJWK(publicKey)), kid: 'rs-remote', alg: 'RS256' }];
    const fetch = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => Response.json({ keys }));
    const config = { jwksUrl: 'https://id.example.test/.well-known/jwks.json' };
    const token = (sub: string) => new SignJWT({ sub }).setProtectedHeader({ alg: 'RS256', kid: 'rs-remote' }).setExpirationTime('5m').sign(privateKey);

    expect((await verifyUserToken(await token('a'), config)).userId).toBe('a');
    expect((await verifyUserToken(await token('b'), config)).userId).toBe('b');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(String(fetch.mock.calls[0]![0])).toBe(config.jwksUrl);
  });

  it('reports an unreachable key set as unverifiable, not as a bad token', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('nope', { status: 503 }));
    const { privateKey } = (await generateKeyPair('ES256')) as CryptoKeyPair;
    const token = await new SignJWT({ sub: 'a' }).setProtectedHeader({ alg: 'ES256', kid: 'k' }).setExpirationTime('5m').sign(privateKey);
    const error = await verifyUserToken(token, { jwksUrl: 'https://down.example.test/jwks' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).detail.auth).toBe('unverifiable');
  });
});
