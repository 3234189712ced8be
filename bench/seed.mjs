// The benchmark's inbox, as SQL that SQLite expands itself (recursive CTEs): the insert triggers
// keep versions, counters and the change feed as they would for notifications made through the API.

export const USERS = 10_000;
export const HEAVY = 'heavy-player';
export const ORGS = Array.from({ length: 20 }, (_, i) => `org-${i}`);
/** A sequence in the middle of the heavy player's 100,000 (they are inserted last, after these). */
export const HEAVY_MIDDLE = USERS * 5 + ORGS.length * 200 + 500 + 50_000;

/** An ordinary user's organisations (as their token would carry them): 0, 1 or 2. */
export function orgsOf(user) {
  const n = Number(user.split('-')[1]);
  return [ORGS[n % ORGS.length], ORGS[(n * 7) % ORGS.length]].slice(0, n % 3);
}

export function seedSql(now) {
  const rows = (count, id, audience, title) => `
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
INSERT INTO notifications (id, project_id, audience, title, body, priority, custom_data, created_at)
SELECT ${id}, 'default', ${audience}, ${title}, 'Seeded for the benchmark', 'normal', '{"quest":"q"}', ${now} - (${count} - i) * 1000 FROM n;`;
  return [
    rows(USERS * 5, "printf('00000002-0000-4000-8000-%012x', i)", "'u:user-' || (i % " + USERS + ')', "'Daily reward ' || i"),
    rows(ORGS.length * 200, "printf('00000003-0000-4000-8000-%012x', i)", `'o:org-' || (i % ${ORGS.length})`, "'Guild news ' || i"),
    rows(500, "printf('00000004-0000-4000-8000-%012x', i)", "'*'", "'Season update ' || i"),
    // The heavy player's ids are predictable (00000001-…-<i in hex>) so the benchmark can acknowledge them one by one.
    rows(100_000, "printf('00000001-0000-4000-8000-%012x', i)", `'u:${HEAVY}'`, "'Quest ' || i"),
  ].join('\n');
}
