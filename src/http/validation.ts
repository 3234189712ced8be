import type { Hook } from '@hono/zod-openapi';
import { DomainError, type ValidationIssue } from '../core/errors';

const LOCATIONS: Record<string, string> = { json: 'body', param: 'path', query: 'query', header: 'header', form: 'body' };

/**
 * zod failures become one invalid_parameter error that names the first offending parameter and
 * lists every issue; each dialect renders it in its own shape (a 400 message, the player API's 422).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const validationHook: Hook<any, any, any, any> = (result) => {
  if (result.success) return;
  const location = LOCATIONS[result.target] ?? result.target;
  const issues: ValidationIssue[] = result.error.issues.map((issue) => {
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    return {
      location,
      path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
      message: missing ? 'Field required' : issue.message,
      kind: missing ? 'missing' : issue.code,
      origin: 'origin' in issue ? String(issue.origin) : undefined,
    };
  });
  const first = issues[0];
  const parameter = first?.path.length ? first.path.join('.') : location;
  throw new DomainError('invalid_parameter', `${parameter}: ${first?.message ?? 'invalid'}`, { parameter, issues });
};
