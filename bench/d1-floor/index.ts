// The D1 floor: the least a Worker can do to answer an inbox poll with 304 in this runtime: read the
// same version rows the real 304 reads (one primary-key lookup per audience, one statement) and
// answer. Next to the bare floor (bench/floor), it separates what D1 costs from what the inbox adds
// (token check, routing, validation, tag hashing, metering). No token: the user and organisations
// come in the query (`?user=u&orgs=a,b`).
interface Env {
  DB: D1Database;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const user = url.searchParams.get('user') ?? 'nobody';
    const orgs = (url.searchParams.get('orgs') ?? '').split(',').filter(Boolean);
    const audiences = [`u:${user}`, ...orgs.map((o) => `o:${o}`), '*'];
    const select = 'SELECT audience, version, read_version, ack_version, live, next_expiry FROM inbox_versions WHERE project_id = ?1';
    const sql = audiences.map((_, i) => `${select} AND audience = ?${i + 2}`).join('\nUNION ALL\n');
    const { results } = await env.DB.withSession('first-unconstrained').prepare(sql).bind('default', ...audiences).all();
    return new Response(null, { status: 304, headers: { ETag: `"${results.length}"` } });
  },
};
