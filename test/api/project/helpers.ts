import { expect } from 'vitest';
import { call } from '../../helpers';

/** `2021-11-26T18:39:46+00:00`, as seeds/003 shows times. */
export const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/;

export interface Row {
  id: string;
  user_id: string | null;
  title: string;
  seen_at: string | null;
  read_at: string | null;
  deleted_at: string | null;
}
export interface Paginated {
  data: Row[];
  links: { first: null; last: null; prev: null; next: string | null };
  meta: { path: string; per_page: number };
}

export const base = (project: string) => `/api/v1/project/${project}`;

export async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status).toBe(status);
  return (await res.json()) as T;
}

/** Follows links.next from a first URL to the end, as a client of the document would. */
export async function walk(first: string, headers: Record<string, string>): Promise<Row[]> {
  const rows: Row[] = [];
  let url: string | null = first;
  for (let i = 0; url && i < 50; i++) {
    const { pathname, search } = new URL(url, 'http://inbox.test');
    const page: Paginated = await json(await call(`${pathname}${search}`, { headers }));
    rows.push(...page.data);
    url = page.links.next;
  }
  return rows;
}
