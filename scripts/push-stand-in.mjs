// A local stand-in push service (README "Push"): what FCM, Mozilla's autopush or Apple's service are to a deployed
// inbox, on 127.0.0.1, for trying Web Push under `npm start` (which accepts http://127.0.0.1 endpoints) and for the
// browser tests. It makes browser-like subscriptions (real P-256 keys and auth secrets), takes the Worker's POSTs
// to them, decrypts each as the browser would (RFC 8291) and answers 201; an unknown endpoint answers 410.
//
// `npm run push:stand-in [-- --port 8790]` prints a subscription to register and each push it receives:
//   1. npm start                    (another terminal)
//   2. npm run push:stand-in        (prints the subscription JSON and the curl that registers it for alice)
//   3. send alice a notification    (the demo's operator panel): the decrypted push prints here.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { newPushKeys } from './web-push-decrypt.mjs';

/** Starts the stand-in; `onPush` hears each push it took (its headers and decrypted payload). */
export async function startPushStandIn({ port = 0, onPush } = {}) {
  const browsers = new Map();
  const received = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', async () => {
      const browser = browsers.get(request.url);
      if (request.method !== 'POST' || !browser) {
        response.writeHead(request.method === 'POST' ? 410 : 405).end();
        return;
      }
      try {
        const body = new Uint8Array(Buffer.concat(chunks));
        const text = await browser.decrypt(body);
        const push = {
          endpoint: browser.endpoint,
          headers: { ttl: request.headers.ttl, urgency: request.headers.urgency, topic: request.headers.topic, encoding: request.headers['content-encoding'] },
          authorization: request.headers.authorization ?? '',
          bytes: body.length,
          text,
          payload: JSON.parse(text),
        };
        received.push(push);
        onPush?.(push);
        response.writeHead(201).end();
      } catch (error) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(`could not decrypt: ${error.message}`);
      }
    });
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    received,
    /** A new browser's subscription (PushSubscription.toJSON()'s shape) at this stand-in. */
    async subscription() {
      const { keys, decrypt } = await newPushKeys();
      const path = `/push/${randomBytes(9).toString('base64url')}`;
      const endpoint = url + path;
      browsers.set(path, { endpoint, decrypt });
      return { endpoint, expirationTime: null, keys };
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 8790;
  const inbox = args.includes('--inbox') ? args[args.indexOf('--inbox') + 1] : 'http://localhost:8787';
  const standIn = await startPushStandIn({
    port,
    onPush: (push) => console.log(`\npush to ${push.endpoint} (${push.bytes} bytes; TTL ${push.headers.ttl}, Urgency ${push.headers.urgency}, Topic ${push.headers.topic}):\n${JSON.stringify(push.payload, null, 2)}`),
  });
  const subscription = await standIn.subscription();
  console.log(`Stand-in push service on ${standIn.url}. A browser's subscription at it:\n${JSON.stringify(subscription)}\n`);
  console.log('Register it for alice (npm start running), then send alice a notification from the demo:');
  console.log(`  curl -X POST ${inbox}/api/v1/client/push/subscriptions -H "authorization: Bearer $(npm run -s token -- alice --project demo --org acme)" \\`);
  console.log(`    -H 'content-type: application/json' -d '${JSON.stringify(subscription)}'`);
}
