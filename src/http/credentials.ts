/** The credential in `Authorization: Bearer <value>`; undefined when absent or another scheme. */
export function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer[ ]+(\S+)\s*$/i);
  return match?.[1];
}
