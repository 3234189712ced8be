export interface StandInPush {
  endpoint: string;
  headers: { ttl?: string; urgency?: string; topic?: string; encoding?: string };
  authorization: string;
  bytes: number;
  text: string;
  payload: { notification: { title: string; body: string; tag: string; navigate?: string }; inbox: { id: string; [field: string]: unknown } };
}
export function startPushStandIn(options?: { port?: number; onPush?: (push: StandInPush) => void }): Promise<{
  url: string;
  received: StandInPush[];
  subscription(): Promise<{ endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } }>;
  close(): Promise<void>;
}>;
