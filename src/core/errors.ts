// One error model for every dialect: the core throws a DomainError with a code; http/status.ts maps
// the code to a status; each dialect's wire.ts decides only how the body looks.

export type AuthFailure =
  | 'missing' // no credentials at all
  | 'not_jwt' // not three base64url parts
  | 'malformed' // header or payload cannot be decoded
  | 'alg_not_allowed' // alg none, or an algorithm the configured keys do not allow
  | 'unknown_kid' // no configured key matches the token's kid
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'invalid_claim' // sub/project/orgs/permissions/iss/aud wrong
  | 'unknown_key' // an API key we do not know, or one that was revoked
  | 'unverifiable'; // the key set could not be fetched

export type ErrorCode =
  | 'invalid_parameter'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'access_denied'
  | 'already_responded'
  | 'conflict'
  | 'idempotency_mismatch'
  | 'too_many_listeners' // this player already has the most concurrent listeners allowed
  | 'connection_limit' // the project has the most concurrent listeners allowed
  | 'rate_limited' // this user or key made too many requests of this kind in the current window
  | 'payload_too_large' // the request body is over the size limit
  | 'method_not_allowed' // a known path asked with a method it does not have
  | 'origin_not_allowed' // a browser page of an origin that may not call this route (listeners)
  | 'moving'; // the user's inbox is being copied to another database (issue 26): their writes wait until it is

/** One problem found by input validation, for dialects that list them all (the player API's 422). */
export interface ValidationIssue {
  /** Where the value came from: query, path, header or body. */
  location: string;
  path: (string | number)[];
  message: string;
  /** What was wrong: missing, too_big, too_small, invalid_type, invalid_format, invalid_value, … */
  kind: string;
  /** For too_big / too_small: whether the value was a number, a string or an array. */
  origin?: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail: {
      parameter?: string;
      auth?: AuthFailure;
      issues?: ValidationIssue[];
      resource?: 'project';
      /** rate_limited: seconds until the window ends (at most). */
      retryAfter?: number;
      /** method_not_allowed: the methods the path has. */
      allow?: string[];
    } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalidParameter = (parameter: string, message: string) =>
  new DomainError('invalid_parameter', message, { parameter });

/** The body as a whole is unreadable (not JSON, not JSON's media type): one issue located at `body`. */
export const invalidBody = (message: string, kind: string) =>
  new DomainError('invalid_parameter', message, { parameter: 'body', issues: [{ location: 'body', path: [], message, kind }] });

export const unauthenticated = (auth: AuthFailure, message: string) =>
  new DomainError('unauthenticated', message, { auth });
