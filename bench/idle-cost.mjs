// What one always-connected user costs the operator per idle hour and per month, by transport: the
// battery's measurements (requests, the player object's own account of its billable time, the D1
// statements the listeners logged, bytes and radio wake-ups) priced at Cloudflare's published rates.

/** Cloudflare's published prices (Workers Paid), as of 2026-12 (developers.cloudflare.com pricing pages), beyond what each plan includes. */
export const PRICES = {
  date: '2026-12',
  workerRequest: 0.3 / 1e6,
  objectRequest: 0.15 / 1e6,
  /** Durable Object duration, per GB-second; objects are billed at 128 MB. */
  objectGbSecond: 12.5 / 1e6,
  objectGb: 0.125,
  /** Incoming WebSocket messages (and, in our account, socket events) bill as requests at 20:1. */
  socketEventsPerRequest: 20,
  d1RowRead: 0.001 / 1e6,
  d1RowWritten: 1 / 1e6,
};
const HOURS_PER_MONTH = 730;

/** One priced row: `hour` is the idle hour's measurements, month the price. */
export function priced(row) {
  const objectRequests = row.object ? row.object.requests + row.object.socketEvents / PRICES.socketEventsPerRequest : 0;
  const busy = row.object?.busySeconds ?? 0;
  const rowsRead = row.d1?.rowsRead ?? 0;
  const month = {
    workerRequests: row.workerRequests * HOURS_PER_MONTH * PRICES.workerRequest,
    objectRequests: objectRequests * HOURS_PER_MONTH * PRICES.objectRequest,
    objectDuration: busy * PRICES.objectGb * HOURS_PER_MONTH * PRICES.objectGbSecond,
    d1: rowsRead * HOURS_PER_MONTH * PRICES.d1RowRead,
  };
  const total = month.workerRequests + month.objectRequests + month.objectDuration + month.d1;
  // What its own reconnects cost in requests: a Worker request each, and for a listener the object request that takes its slot.
  const reconnects = row.workerRequests * HOURS_PER_MONTH * (PRICES.workerRequest + (row.object ? PRICES.objectRequest : 0));
  return { ...row, objectRequests, month, total, beyondOwnRequests: Math.max(0, total - reconnects) };
}

/** The markdown table of README "Real-time: what waiting costs" and bench/results.md. */
export function idleCostLines(rows) {
  const fmt = (n, digits = 0) => (n === null || n === undefined ? '–' : n.toFixed(digits));
  const dollars = (n) => `$${n < 0.0001 ? n.toExponential(1) : n.toFixed(4)}`;
  return [
    '| transport (one always-connected user), per idle hour | Worker requests | Durable Object requests | object billable s | D1 statements | D1 rows read | bytes | radio wake-ups | $ per month | $ per month beyond its reconnects’ requests |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(priced).map(
      (r) =>
        `| ${r.name} | ${fmt(r.workerRequests)} | ${fmt(r.objectRequests, 1)} | ${fmt(r.object?.busySeconds ?? 0, 2)} | ${fmt(r.d1?.statements)} | ${fmt(r.d1?.rowsRead)} | ${fmt(r.bytes)} | ${fmt(r.wakes)} | ${dollars(r.total)} | ${dollars(r.beyondOwnRequests)} ${r.beyondOwnRequests <= 0.01 ? '✓' : '✗'} |`,
    ),
  ];
}
