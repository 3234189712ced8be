/**
 * RFC 9110 weak comparison of an If-None-Match header against our ETag: accepts `*`, lists, and
 * the `W/` form Cloudflare's edge produces when it recompresses a response.
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const ours = opaque(etag);
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || opaque(tag) === ours;
  });
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
