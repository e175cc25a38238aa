import { api } from "@/lib/http/api.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { listSyncConfigsByUser } from "@/lib/db/sync_configs.ts";
import {
  NewSyncConfigIn,
  SyncConfigListOut,
  SyncConfigOut,
  syncConfigOut,
} from "@/lib/sync/api_schemas.ts";
import { createSyncConfigForUser } from "@/lib/sync/configs.ts";
import { createRoleSyncConfig } from "@/lib/sync/seed_compat.ts";
import { pushStatuses } from "@/lib/sync/push.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  GET: api({
    summary: "The caller's sync configs",
    description: "Oldest first, with both accounts' emails, both calendars' names, schedule and " +
      "last outcome.",
    tags: ["sync"],
    responses: {
      200: { description: "The configs", schema: SyncConfigListOut },
    },
  }, async (ctx, { user }) => {
    const { services } = ctx.state;
    const configs = await listSyncConfigsByUser(services.db, user.id);
    const push = await pushStatuses(services, user.id, configs);
    return ctx.json({
      configs: configs.map((c) => ({ ...syncConfigOut(c), push: push.get(c.id) })),
    });
  }),

  POST: api({
    summary: "Create a sync config",
    description: "Mirrors `source_calendar_id` of account `source_account_id` into the writable " +
      "`dest_calendar_id` of account `dest_account_id` (the same account is allowed; the same " +
      "calendar is not). Both are checked against the accounts' calendar lists. The first " +
      "scheduled run is due at once. Seed-compatible: without the two account ids, the " +
      "accounts the source and destination roles name are used.",
    tags: ["sync"],
    body: NewSyncConfigIn,
    responses: {
      201: { description: "Created", schema: SyncConfigOut },
      422: {
        description: "An account is not the caller's or needs reconnecting, a calendar is not " +
          "in its account's list, the destination is read-only, or both are the same calendar " +
          "(`fields` says which)",
        schema: ErrorOut,
      },
      502: {
        description: "Google is unreachable and no calendar list is cached",
        schema: ErrorOut,
      },
    },
  }, async (ctx, { user, body }) => {
    const { source_account_id, dest_account_id, ...rest } = body;
    const config = source_account_id && dest_account_id
      ? await createSyncConfigForUser(ctx.state.services, user.id, {
        ...rest,
        source_account_id,
        dest_account_id,
      })
      : await createRoleSyncConfig(ctx.state.services, user.id, rest);
    return ctx.json(syncConfigOut(config), 201);
  }),
});
