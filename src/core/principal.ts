/** Who is calling, after authentication. Every row the caller reaches is filtered by its project. */
export type Principal = UserPrincipal | { kind: 'admin' } | { kind: 'project_key'; projectId: string; keyId: string };

export interface UserPrincipal {
  kind: 'user';
  projectId: string;
  userId: string;
  orgs: string[];
  /** null when the token has no `permissions` claim (a dialect decides what that allows). */
  permissions: string[] | null;
}

/** Project ids: what `POST /v1/projects` accepts and what a token's `project` claim may name. */
export const PROJECT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const DEFAULT_PROJECT = 'default';
