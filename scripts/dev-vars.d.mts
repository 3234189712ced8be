export const DEV_VARS: string;
export function vapidKeys(): { VAPID_PUBLIC_KEY: string; VAPID_PRIVATE_KEY: string };
export function ensureSecretsFile(path: string, comment: string, adminPrefix: string): { path: string; created: boolean; vapidAdded: boolean };
export function ensureDevVars(): { path: string; created: boolean; vapidAdded: boolean };
export function readDevVars(): Record<string, string>;
