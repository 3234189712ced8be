// `node scripts/vapid-keys.mjs`: a fresh Web Push (VAPID) key pair, as lines to keep in your CI's secrets for
// `npm run deploy` (which otherwise makes one itself, once, in .deploy.vars). Keep it: a new pair orphans every
// browser's subscription.
import { vapidKeys } from './dev-vars.mjs';

for (const [name, value] of Object.entries(vapidKeys())) console.log(`${name}=${value}`);
