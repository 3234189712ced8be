/** The credential in `Authorization: Bearer <value>`; undefined when absent or another scheme. */
export function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer[ ]+(\S+)\s*$/i);
  return match?.[1];
}

/** seeds/001 sends the token as the whole header value; `Bearer <token>` is accepted too. */
export function rawOrBearer(header: string | undefined): string | undefined {
  return bearer(header) ?? (header?.trim() || undefined);
}
