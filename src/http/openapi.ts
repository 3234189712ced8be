// Small builders for the route descriptions every dialect writes (they feed /openapi.json).

export const bearerAuth = [{ bearer: [] }];

export function jsonResponse<T>(schema: T, description = 'OK') {
  return { description, content: { 'application/json': { schema } } };
}

export function jsonRequest<T>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}

/** The dialect's error body for each status, with per-status exceptions (the player API's 422). */
export function errorResponses<T>(schema: T, statuses: number[], byStatus: Record<number, unknown> = {}) {
  return Object.fromEntries(statuses.map((s) => [s, jsonResponse(byStatus[s] ?? schema, 'Error')]));
}
