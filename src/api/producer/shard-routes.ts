import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { databasesOf, parseEntry, VIRTUAL_SHARDS } from '../../core/placement';
import { assertAdmin } from '../../core/projects';
import { loadShardMap, type StoredShardMap } from '../../core/shard-map';
import { startMove, stepMove } from '../../core/shard-moves';
import type { createDialect } from '../../http/dialect';
import { databaseBinding, declaredDatabases, forgetShardMap, MOVE_FREEZE_MS, moveSettleMs } from '../../http/databases';
import { openDb } from '../../core/db';
import { BOOKMARK, bearerAuth, jsonRequest, jsonResponse, requestHeaders } from '../../http/openapi';
import type { AppEnv } from '../../env';

// The operator's view of the databases and their moves (README "Scaling"; scripts/shards.mjs drives them).

const Database = z.object({
  binding: z.string().openapi({ example: 'DB_2' }),
  shards: z.number().int().openapi({ description: `Virtual shards it serves (of ${VIRTUAL_SHARDS}).` }),
});

export const ShardsBody = z
  .object({
    version: z.number().int().openapi({ description: 'The shard map’s version: it moves with every change.' }),
    declared: z.array(z.string()).openapi({ description: 'The D1 bindings this Worker has (wrangler.toml): `DB`, then `DB_<NAME>`.' }),
    databases: z.array(Database).openapi({ description: 'The databases that serve users, and how many virtual shards each.' }),
    move: z
      .object({
        to: z.string(),
        phase: z.enum(['seed', 'copy', 'drop']),
        shards: z.number().int().openapi({ description: 'Virtual shards this move takes to `to`.' }),
        marked_at: z.string().openapi({ description: 'When they were marked: nothing is copied until every isolate has read that.' }),
        flipped_at: z.string().optional().openapi({ description: 'When `to` began to serve them: their old copies are dropped a while later.' }),
      })
      .nullable()
      .openapi({ description: 'The move under way, or null.' }),
  })
  .openapi('Shards');

const MoveBody = z
  .object({
    to: z.string().regex(/^DB(_[A-Z0-9_]+)?$/).openapi({ description: 'The binding to move shards onto (declared in wrangler.toml and deployed).', example: 'DB_2' }),
    shards: z
      .number()
      .int()
      .min(1)
      .max(VIRTUAL_SHARDS)
      .optional()
      .openapi({ description: 'Move at most this many now (default: its even share). Smaller moves refuse fewer users’ writes at a time.' }),
  })
  .strict();

const StepBody = z
  .object({
    phase: z.enum(['seed', 'copy', 'drop', 'done']).openapi({ description: 'Where the move is after this step (`done`: no move is under way).' }),
    wait_ms: z.number().int().optional().openapi({ description: 'Step again after this long: the isolates’ maps are settling, or (`waiting_for`) another step holds the move.' }),
    waiting_for: z.string().optional().openapi({ description: 'What holds the move, when it is not the maps: another step still running, say.' }),
    progress: z.number().int().optional().openapi({ description: 'Broadcasts (seed) or users (copy, drop) this step copied or dropped.' }),
  })
  .openapi('ShardMoveStep');

function describeShards(c: Context<AppEnv>, { version, map, move }: StoredShardMap): z.infer<typeof ShardsBody> {
  const entries = map.map(parseEntry);
  return {
    version,
    declared: declaredDatabases(c.env),
    databases: databasesOf(map)
      .map((binding) => ({ binding, shards: entries.filter((entry) => entry.binding === binding).length }))
      .filter((database) => database.shards > 0),
    move: move && {
      to: move.to,
      phase: move.phase,
      shards: entries.filter((entry) => entry.movingTo === move.to || (entry.binding === move.to && entry.movedFrom !== undefined)).length,
      marked_at: new Date(move.markedAt).toISOString(),
      ...(move.flippedAt !== undefined && { flipped_at: new Date(move.flippedAt).toISOString() }),
    },
  };
}

/** Each database by binding, its primary: a move reads back what it wrote, and what the operator did meanwhile. */
const primary = (c: Context<AppEnv>) => (binding: string) => openDb(databaseBinding(c.env, binding), undefined, binding);

export function registerShards({ app, errors, guard, tags }: ReturnType<typeof createDialect>, ours: string) {
  const security = bearerAuth;
  const parameters = requestHeaders();

  // Ours (README "Scaling"): GET /v1/shards
  app.openapi(
    createRoute({
      method: 'get',
      path: '/shards',
      operationId: 'producerGetShards',
      summary: 'The databases and where users live',
      description: `**Implements** ${ours}: databases (admin key only).\n\nThe D1 databases this Worker declares, how many of the ${VIRTUAL_SHARDS} virtual shards (groups of users) each serves, and the move under way.`,
      tags,
      security,
      middleware: guard('poll'),
      parameters,
      responses: { 200: jsonResponse(ShardsBody, 'The shard map'), ...errors([400, '`invalid_parameter`: an `X-D1-Bookmark` that D1 refuses.'], 401, 403, 405, 429) },
    }),
    async (c) => {
      assertAdmin(c.get('principal'));
      return c.json(describeShards(c, await loadShardMap(c.get('db'))), 200);
    },
  );

  // Ours (README "Scaling"): POST /v1/shards/moves
  app.openapi(
    createRoute({
      method: 'post',
      path: '/shards/moves',
      operationId: 'producerStartShardMove',
      summary: 'Start moving users onto a database',
      description: `**Implements** ${ours}: databases (admin key only).\n\nMarks the virtual shards \`to\` takes (from the fullest databases) as moving; then call the step until it says \`done\` (\`npm run shards -- add <binding>\` does both). Meanwhile the moving users read as before and what is sent to them reaches both databases; while their own notifications are copied (seconds), their acknowledges and marking reads answer 503 with \`Retry-After\`. Asking again for the same \`to\` answers the move under way.`,
      tags,
      security,
      middleware: guard('write'),
      request: { body: jsonRequest(MoveBody) },
      parameters,
      responses: {
        200: jsonResponse(ShardsBody, 'The shard map with its move (none: `to` already holds its share)', BOOKMARK),
        ...errors([400, '`invalid_parameter`: `to` is not a D1 binding of this Worker, or the body is not `{ "to", "shards"? }`.'], 401, 403, 405, [409, '`conflict`: a move to another database is under way.'], 413, 429),
      },
    }),
    async (c) => {
      assertAdmin(c.get('principal'));
      const { to, shards } = c.req.valid('json');
      const plan = await startMove(primary(c)('DB'), declaredDatabases(c.env), to, shards);
      forgetShardMap(c.env);
      return c.json(describeShards(c, plan), 200);
    },
  );

  // Ours (README "Scaling"): POST /v1/shards/moves/step
  app.openapi(
    createRoute({
      method: 'post',
      path: '/shards/moves/step',
      operationId: 'producerStepShardMove',
      summary: 'Do the next step of the move under way',
      description: `**Implements** ${ours}: databases (admin key only).\n\nA bounded piece of the move: seed the new database with the broadcasts, copy some moving users, flip their shards, drop their old copies. Call it again until \`phase\` is \`done\`, after \`wait_ms\` when it says so (the map is read by each isolate every \`SHARD_MAP_TTL_SECONDS\`). A step holds the move while it runs: another answers \`wait_ms\` with \`waiting_for\`.`,
      tags,
      security,
      middleware: guard('write'),
      parameters,
      responses: {
        200: jsonResponse(StepBody, 'What the step did, and what comes next', BOOKMARK),
        ...errors(401, 403, 405, 413, 429),
      },
    }),
    async (c) => {
      assertAdmin(c.get('principal'));
      const report = await stepMove(primary(c), { settleMs: moveSettleMs(c.env), freezeMs: MOVE_FREEZE_MS });
      // This isolate reads the map again at once (the others within a second: a move is under way).
      forgetShardMap(c.env);
      return c.json(
        {
          phase: report.phase,
          ...(report.waitMs !== undefined && { wait_ms: Math.ceil(report.waitMs) }),
          ...(report.blocked !== undefined && { waiting_for: report.blocked }),
          ...(report.progress !== undefined && { progress: report.progress }),
        },
        200,
      );
    },
  );
}
