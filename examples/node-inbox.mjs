// `npm run build`, `npm start`, then in another terminal:
//   node examples/node-inbox.mjs "$(npm run -s token -- alice)"
// Follows alice's inbox live (WebSocket, else the event stream, else polling) and prints every change.
import { createInbox } from '../packages/client/dist/index.js'; // in your app: from '@edge-inbox/client'

const token = process.argv[2];
if (!token) {
  console.error('usage: node examples/node-inbox.mjs <user token>   (npm run -s token -- alice)');
  process.exit(2);
}

const inbox = createInbox({ baseUrl: process.env.INBOX_URL ?? 'http://localhost:8787', token });
inbox.subscribe(({ notifications, counts, transport, status, error }) => {
  console.log(`[${status} over ${transport}] ${counts.pending} pending of ${counts.total}${error ? ` (${error.code})` : ''}`);
  for (const n of notifications.slice(0, 3)) console.log(`  ${n.status === 'pending' ? '●' : '○'} ${n.title}`);
});
await inbox.start();
process.on('SIGINT', () => {
  inbox.stop();
  process.exit(0);
});
