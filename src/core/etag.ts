import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from './db';
import { base64url } from './hash';
import { inboxVersions } from './schema';

// An inbox ETag is derived from the versions of the audiences a user sees plus the query, so a
// conditional poll reads only those version rows (one per audience), never the page.

export async function readVersions(db: Db, projectId: string, audiences: readonly string[]): Promise<Map<string, number>> {
  const rows = await db
    .select({ audience: inboxVersions.audience, version: inboxVersions.version })
    .from(inboxVersions)
    .where(and(eq(inboxVersions.projectId, projectId), inArray(inboxVersions.audience, [...audiences])));
  return new Map(rows.map((r) => [r.audience, r.version]));
}

export async function inboxEtag(
  versions: ReadonlyMap<string, number>,
  audiences: readonly string[],
  query: readonly (string | number | null | undefined)[],
): Promise<string> {
  const text = JSON.stringify([audiences.map((a) => [a, versions.get(a) ?? 0]), query]);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return `"${base64url(new Uint8Array(digest).slice(0, 16))}"`;
}
