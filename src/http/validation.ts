import type { Hook } from '@hono/zod-openapi';
import { invalidParameter } from '../core/errors';

/** zod failures become a 400 that names the first offending parameter, in the dialect's own shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const validationHook: Hook<any, any, any, any> = (result) => {
  if (result.success) return;
  const issue = result.error.issues[0];
  const parameter = issue?.path.length ? issue.path.map(String).join('.') : result.target;
  throw invalidParameter(parameter, `${parameter}: ${issue?.message ?? 'invalid'}`);
};
