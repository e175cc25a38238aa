import { z } from "zod";
import { api } from "@/lib/http/api.ts";
import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { getSyncConfig } from "@/lib/db/sync_configs.ts";
import {
  ConfigIdParams,
  DeleteConfigQuery,
  SyncConfigOut,
  syncConfigOut,
  SyncConfigPatchIn,
} from "@/lib/sync/api_schemas.ts";
import { deleteSyncConfigForUser, updateSyncConfigForUser } from "@/lib/sync/configs.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  GET: api({
    summary: "One sync config",
    tags: ["sync"],
    params: ConfigIdParams,
    responses: {
      200: { description: "The config", schema: SyncConfigOut },
      404: { description: "No such config of the caller's", schema: ErrorOut },
    },
  }, async (ctx, { user, params }) => {
    const config = await getSyncConfig(ctx.state.services.db, params.id, user.id);
    if (!config) throw new HttpError(404, NO_SUCH_SYNC);
    return ctx.json(syncConfigOut(config));
  }),

  PATCH: api({
    summary: "Change a sync config",
    description: "Pause or resume it (`is_active`), change its window or its schedule. " +
      "Resuming makes it due at once; a shorter interval brings the next run forward.",
    tags: ["sync"],
    params: ConfigIdParams,
    body: SyncConfigPatchIn,
    responses: {
      200: { description: "The changed config", schema: SyncConfigOut },
      404: { description: "No such config of the caller's", schema: ErrorOut },
      422: { description: "Invalid field, or resuming without both accounts", schema: ErrorOut },
    },
  }, async (ctx, { user, params, body }) => {
    const config = await updateSyncConfigForUser(ctx.state.services, user.id, params.id, body);
    if (!config) throw new HttpError(404, NO_SUCH_SYNC);
    return ctx.json(syncConfigOut(config));
  }),

  DELETE: api({
    summary: "Delete a sync config",
    description: "Its history and event mappings go with it. With `remove_synced_events=true`, " +
      "every copy it made is deleted from the destination calendar first.",
    tags: ["sync"],
    params: ConfigIdParams,
    query: DeleteConfigQuery,
    responses: {
      200: {
        description: "Deleted",
        schema: z.object({
          deleted: z.literal(true),
          events_removed: z.number().int().describe("Copies deleted from the destination"),
        }),
      },
      404: { description: "No such config of the caller's", schema: ErrorOut },
      409: {
        description: "A run is in progress, or the destination account (needed to remove the " +
          "copies) is not connected",
        schema: ErrorOut,
      },
      502: {
        description: "Some copies could not be removed; the config is kept",
        schema: ErrorOut,
      },
    },
  }, async (ctx, { user, params, query }) => {
    const outcome = await deleteSyncConfigForUser(ctx.state.services, user.id, params.id, {
      removeSyncedEvents: query.remove_synced_events,
    });
    if (!outcome) throw new HttpError(404, NO_SUCH_SYNC);
    return ctx.json({ deleted: true, events_removed: outcome.events_removed });
  }),
});
