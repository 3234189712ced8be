import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from './db';
import { DomainError, unauthenticated } from './errors';
import { base64url, sha256Hex } from './hash';
import type { Principal } from './principal';
import { apiKeys } from './schema';

export interface CreatedKey {
  id: string;
  project_id: string;
  name: string;
  key: string;
  created_at: number;
}

/** Creates a project key. The key is returned once; only its SHA-256 is stored. */
export async function createApiKey(db: Db, projectId: string, name: string): Promise<CreatedKey> {
  const key = `ik_${base64url(crypto.getRandomValues(new Uint8Array(24)))}`;
  const row = { id: crypto.randomUUID(), projectId, name, keyHash: await sha256Hex(key), createdAt: Date.now() };
  await db.insert(apiKeys).values(row);
  return { id: row.id, project_id: projectId, name, key, created_at: row.createdAt };
}

/** Revokes a project key: from then on it is unknown (401). Revoking twice is fine; an unknown key is not_found. */
export async function revokeApiKey(db: Db, projectId: string, keyId: string): Promise<void> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${Date.now()})` })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.projectId, projectId)))
    .returning({ id: apiKeys.id });
  if (rows.length === 0) throw new DomainError('not_found', `Key ${keyId} does not exist`);
}

/** The admin key reaches every project; a project key only its own. */
export async function authenticateApiKey(db: Db, key: string | undefined, adminKey: string | undefined): Promise<Principal> {
  if (!key) throw unauthenticated('missing', 'No API key was sent');
  const hash = await sha256Hex(key);
  if (adminKey && equalHashes(hash, await sha256Hex(adminKey))) return { kind: 'admin' };
  const row = await db
    .select({ id: apiKeys.id, projectId: apiKeys.projectId })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt)))
    .get();
  if (!row) throw unauthenticated('unknown_key', 'The API key is unknown or revoked');
  return { kind: 'project_key', projectId: row.projectId, keyId: row.id };
}

/** Compares two equal-length hex digests without an early exit. */
function equalHashes(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
