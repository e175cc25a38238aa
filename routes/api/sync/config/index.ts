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
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  GET: api({
    summary: "The caller's sync configs",
    description: "Oldest first, with both calendars' names, schedule and last outcome.",
    tags: ["sync"],
    responses: {
      200: { description: "The configs", schema: SyncConfigListOut },
    },
  }, async (ctx, { user }) => {
    const configs = await listSyncConfigsByUser(ctx.state.services.db, user.id);
    return ctx.json({ configs: configs.map(syncConfigOut) });
  }),

  POST: api({
    summary: "Create a sync config",
    description: "Mirrors `source_calendar_id` (a calendar of the connected source account) into " +
      "`dest_calendar_id` (a writable calendar of the connected destination account). Both are " +
      "checked against the accounts' calendar lists. The first scheduled run is due at once.",
    tags: ["sync"],
    body: NewSyncConfigIn,
    responses: {
      201: { description: "Created", schema: SyncConfigOut },
      422: {
        description: "A calendar is not in the account's list, the destination is read-only, " +
          "both are the same calendar, or an account is not connected (`fields` says which)",
        schema: ErrorOut,
      },
      502: {
        description: "Google is unreachable and no calendar list is cached",
        schema: ErrorOut,
      },
    },
  }, async (ctx, { user, body }) => {
    const config = await createSyncConfigForUser(ctx.state.services, user.id, body);
    return ctx.json(syncConfigOut(config), 201);
  }),
});
