// A notification's audience is stored as one key so that an inbox is a few index ranges
// (one per audience the user belongs to) merged by sequence.
export type Audience = { kind: 'user'; id: string } | { kind: 'org'; id: string } | { kind: 'everyone' };

export const EVERYONE = '*';

export function audienceKey(a: Audience): string {
  switch (a.kind) {
    case 'user':
      return `u:${a.id}`;
    case 'org':
      return `o:${a.id}`;
    case 'everyone':
      return EVERYONE;
  }
}

export function parseAudienceKey(key: string): Audience {
  if (key === EVERYONE) return { kind: 'everyone' };
  const id = key.slice(2);
  return key.startsWith('u:') ? { kind: 'user', id } : { kind: 'org', id };
}

/** The audiences whose notifications a user sees: their own, their organisations', everyone's. */
export function inboxAudiences(userId: string, orgs: readonly string[]): string[] {
  return [audienceKey({ kind: 'user', id: userId }), ...orgs.map((id) => audienceKey({ kind: 'org', id })), EVERYONE];
}
