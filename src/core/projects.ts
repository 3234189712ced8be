import { eq } from 'drizzle-orm';
import type { Db } from './db';
import { DomainError } from './errors';
import type { Principal } from './principal';
import { projects } from './schema';

export interface Project {
  id: string;
  name: string;
  createdAt: number;
  /** Whether notifications are pushed when their producer does not say (issue 27). */
  push: boolean;
}

export async function createProject(db: Db, id: string, name: string, push = true): Promise<Project> {
  const row = { id, name, createdAt: Date.now(), push };
  const inserted = await db.insert(projects).values(row).onConflictDoNothing().returning({ id: projects.id });
  if (inserted.length === 0) throw new DomainError('conflict', `Project ${id} already exists`);
  return row;
}

export async function getProject(db: Db, id: string): Promise<Project> {
  const row = await db.select().from(projects).where(eq(projects.id, id)).get();
  if (!row) throw new DomainError('not_found', `Project ${id} does not exist`, { resource: 'project' });
  return row;
}

/** Changes a project's name or push default; the project as it is now. */
export async function updateProject(db: Db, id: string, changes: { name?: string; push?: boolean }): Promise<Project> {
  if (changes.name === undefined && changes.push === undefined) return getProject(db, id);
  const row = await db.update(projects).set(changes).where(eq(projects.id, id)).returning().get();
  if (!row) throw new DomainError('not_found', `Project ${id} does not exist`, { resource: 'project' });
  return row;
}

/** Admin reaches every project; a project key only its own; anything else nothing. */
export function assertProjectAccess(principal: Principal, projectId: string): void {
  if (principal.kind === 'admin') return;
  if (principal.kind === 'project_key' && principal.projectId === projectId) return;
  throw new DomainError('forbidden', `This key may not use project ${projectId}`);
}

export function assertAdmin(principal: Principal): void {
  if (principal.kind !== 'admin') throw new DomainError('forbidden', 'Only the admin key may do this');
}

/** A project the principal may use (checked first: a project key never learns whether others exist) and that exists. */
export async function openProject(db: Db, principal: Principal, projectId: string): Promise<string> {
  assertProjectAccess(principal, projectId);
  await getProject(db, projectId);
  return projectId;
}
