import type { Context } from 'hono';
import type { Db } from '../core/db';
import { inboxOf } from '../core/stores';
import type { AppEnv } from '../env';

/** The database holding this user's inbox: every read and write about one user goes there alone. */
export const inboxDb = (c: Context<AppEnv>, user: { projectId: string; userId: string }): Db => inboxOf(c.get('stores'), user.projectId, user.userId);
