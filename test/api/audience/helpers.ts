import { expect } from 'vitest';
import { call, userToken } from '../../helpers';

export interface Envelope {
  notifications: { notificationId: string; type: string; title: string; message: string; read: boolean; createdAt: string; pKey: string; sKey: string }[];
  message: string;
  nextCursor?: string;
}

/** seeds/001 sends the token as the raw Authorization value. */
export async function raw(claims: { sub: string; project: string; orgs?: string[]; permissions?: string[] }) {
  return { authorization: await userToken(claims) };
}

export async function get(path: string, headers: Record<string, string>): Promise<Envelope> {
  const res = await call(path, { headers });
  expect(res.status, path).toBe(200);
  return (await res.json()) as Envelope;
}
