export function decryptAes128gcm(body: Uint8Array, uaPrivate: CryptoKey, uaPublic: Uint8Array, authSecret: Uint8Array): Promise<Uint8Array>;
export function newPushKeys(): Promise<{ keys: { p256dh: string; auth: string }; decrypt(body: Uint8Array): Promise<string> }>;
