// `npm run token -- <user> [--project p] [--org o ...] [--permission x ...] [--hours h]`:
// prints an HS256 user token signed with the JWT_SECRET in .dev.vars.
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { ensureDevVars, readDevVars } from './dev-vars.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    project: { type: 'string' },
    org: { type: 'string', multiple: true },
    permission: { type: 'string', multiple: true },
    hours: { type: 'string', default: '24' },
  },
});
const sub = positionals[0];
if (!sub) {
  console.error('usage: npm run token -- <user> [--project p] [--org o] [--permission x] [--hours h]');
  process.exit(2);
}
ensureDevVars();
const claims = { sub };
if (values.project) claims.project = values.project;
if (values.org) claims.orgs = values.org;
if (values.permission) claims.permissions = values.permission;
const token = await new SignJWT(claims)
  .setProtectedHeader({ alg: 'HS256' })
  .setIssuedAt()
  .setExpirationTime(`${Number(values.hours)}h`)
  .sign(new TextEncoder().encode(readDevVars().JWT_SECRET));
console.log(token);
