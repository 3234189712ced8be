import { createRoute } from '@hono/zod-openapi';
import { listSubscriptions, registerSubscription, removeSubscription } from '../../core/push-subscriptions';
import { requireUser } from '../../http/auth';
import { createDialect } from '../../http/dialect';
import { subscribedIn } from '../../push/pusher';
import { bearerAuth, BOOKMARK, emptyResponse, jsonRequest, jsonResponse, requestHeaders } from '../../http/openapi';
import { MOUNTS } from '../mounts';
import { TAGS } from '../tags';
import { ErrorBody } from '../client/wire';
import { encodeSubscription, EndpointQuery, NewSubscription, PushKey, PushSubscriptionBody, renderPushError, SubscriptionList } from './wire';

/** What each status means here (seeds/000's codes; a subscription of its own). */
const NOTES: Record<number, string> = {
  400: '`INVALID_PARAMETER`; the message names the parameter.',
  401: '`AUTH_INVALID_TOKEN`: no token, or one we do not accept.',
  404: '`SUBSCRIPTION_NOT_FOUND`: you have no subscription with this endpoint.',
  405: '`METHOD_NOT_ALLOWED`.',
  413: '`PAYLOAD_TOO_LARGE`.',
  429: '`RATE_LIMIT_EXCEEDED`.',
};

const OURS = 'Web Push (ours, beside the client polling API; README "Push")';

/** Issue 27: a user's browsers subscribe to Web Push through the client API, with the same user token. */
export function pushApi() {
  const { app, errors, guard, tags } = createDialect({
    base: MOUNTS.push,
    render: renderPushError,
    errorSchema: ErrorBody,
    auth: requireUser,
    tag: TAGS.push,
    notes: NOTES,
  });
  const security = bearerAuth;

  // Ours (README "Push"): the key browsers subscribe with.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/key',
      operationId: 'pushGetKey',
      summary: 'The VAPID public key to subscribe with',
      description: `**Implements** ${OURS}.\n\nThe same for every user of the deployment: pass it to \`pushManager.subscribe({ userVisibleOnly: true, applicationServerKey })\`.`,
      tags,
      security,
      middleware: guard('poll'),
      parameters: requestHeaders(),
      responses: { 200: jsonResponse(PushKey, 'The public key'), ...errors(401, 405, 429) },
    }),
    // wrangler.toml lists the VAPID keys as required secrets: a deployment without them does not start.
    async (c) => {
      return c.json({ public_key: c.env.VAPID_PUBLIC_KEY }, 200);
    },
  );

  // Ours (README "Push"): register a browser's subscription.
  app.openapi(
    createRoute({
      method: 'post',
      path: '/subscriptions',
      operationId: 'pushSubscribe',
      summary: "Register this browser's push subscription",
      description: `**Implements** ${OURS}.\n\nThe body is \`PushSubscription.toJSON()\`. 201 when new; 200 when this endpoint was registered already (it is yours from now on, with these keys and your token's organisations). You keep the 10 most recently registered; an eleventh removes the oldest. The endpoint must be \`https:\` on a public host.`,
      tags,
      security,
      middleware: guard('write'),
      request: { body: jsonRequest(NewSubscription) },
      parameters: requestHeaders(),
      responses: {
        201: jsonResponse(PushSubscriptionBody, 'Registered', BOOKMARK),
        200: jsonResponse(PushSubscriptionBody, 'Registered again (refreshed)', BOOKMARK),
        ...errors(400, 401, 405, 413, 429),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const expirationTime = body.expirationTime == null || !Number.isFinite(body.expirationTime) ? null : Math.round(body.expirationTime);
      const { subscription, created } = await registerSubscription(c.get('db'), c.get('user'), { ...body, expirationTime }, {
        allowLocal: c.env.PUSH_LOCAL_ENDPOINTS === 'on',
      });
      subscribedIn(c.get('user').projectId);
      return c.json(encodeSubscription(subscription), created ? 201 : 200);
    },
  );

  // Ours (README "Push"): the user's subscriptions.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/subscriptions',
      operationId: 'pushListSubscriptions',
      summary: 'Your push subscriptions',
      description: `**Implements** ${OURS}.\n\nEvery browser that receives your pushes, most recently registered first (at most 10).`,
      tags,
      security,
      middleware: guard('poll'),
      parameters: requestHeaders(),
      responses: {
        200: jsonResponse(SubscriptionList, 'Your subscriptions'),
        ...errors([400, '`INVALID_PARAMETER`: an `X-D1-Bookmark` of another database.'], 401, 405, 429),
      },
    }),
    async (c) => c.json({ subscriptions: (await listSubscriptions(c.get('db'), c.get('user'))).map(encodeSubscription) }, 200),
  );

  // Ours (README "Push"): unsubscribe a browser.
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/subscriptions',
      operationId: 'pushUnsubscribe',
      summary: 'Remove a push subscription',
      description: `**Implements** ${OURS}.\n\nBy its \`endpoint\` (what the browser's subscription says). Only yours: another user's is as unknown as a missing one (404).`,
      tags,
      security,
      middleware: guard('write'),
      request: { query: EndpointQuery },
      parameters: requestHeaders(),
      responses: { 204: emptyResponse('Removed', BOOKMARK), ...errors(400, 401, 404, 405, 413, 429) },
    }),
    async (c) => {
      await removeSubscription(c.get('db'), c.get('user'), c.req.valid('query').endpoint);
      return c.body(null, 204);
    },
  );

  return app;
}
