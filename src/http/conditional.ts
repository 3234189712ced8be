/**
 * The entity tags of an If-None-Match header, compared weakly (RFC 9110): `W/` and quotes are
 * dropped, since Cloudflare's edge weakens strong tags when it recompresses. `*` stays `*`.
 */
export function ifNoneMatchTags(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((candidate) => candidate.trim().replace(/^W\//, ''))
    .filter((tag) => tag.length > 0)
    .map((tag) => (tag === '*' ? tag : tag.replace(/^"(.*)"$/, '$1')));
}
