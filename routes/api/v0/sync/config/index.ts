import { z } from "zod";
import { listSyncConfigsByUser } from "@/lib/db/sync_configs.ts";
import { api } from "@/lib/http/api.ts";
import { V0_SPEC, v0Error } from "@/lib/http/v0/errors.ts";
import { V0NewSyncConfigIn, v0SyncConfig, V0SyncConfigOut } from "@/lib/http/v0/shapes.ts";
import { createRoleSyncConfig } from "@/lib/sync/seed_compat.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  GET: api({
    ...V0_SPEC,
    summary: "The caller's sync configs, as a bare array (seed-compatible)",
    responses: { 200: { description: "The configs", schema: z.array(V0SyncConfigOut) } },
  }, async (ctx, { user }) => {
    const configs = await listSyncConfigsByUser(ctx.state.services.db, user.id);
    return ctx.json(configs.map(v0SyncConfig));
  }),

  POST: api({
    ...V0_SPEC,
    summary: "Create a sync config (seed-compatible)",
    description: "The same checks as `POST /api/sync/config`. Two-way sync, privacy mode and a " +
      "destination colour are refused (422) rather than silently dropped.",
    body: V0NewSyncConfigIn,
    responses: {
      201: { description: "Created", schema: V0SyncConfigOut },
      422: v0Error("A calendar is not the account's, read-only, the same, or not connected"),
      502: v0Error("Google is unreachable and no calendar list is cached"),
    },
  }, async (ctx, { user, body }) => {
    const { source_calendar_id, dest_calendar_id, sync_lookahead_days } = body;
    const config = await createRoleSyncConfig(ctx.state.services, user.id, {
      source_calendar_id,
      dest_calendar_id,
      ...(sync_lookahead_days === undefined ? {} : { sync_lookahead_days }),
    });
    return ctx.json(v0SyncConfig(config), 201);
  }),
});
