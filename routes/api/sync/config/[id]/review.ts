import { api } from "@/lib/http/api.ts";
import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { getSyncConfig, reviewSyncConfig } from "@/lib/db/sync_configs.ts";
import { ConfigIdParams, ReviewIn, SyncConfigOut, syncConfigOut } from "@/lib/sync/api_schemas.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Answer a run held for review",
    description: "A run that would remove more than max(10, 25 %) of the copies removes none " +
      "and ends `needs_review`. `apply` removes them on the next run (due now); `pause` keeps " +
      "them and pauses the sync.",
    tags: ["sync"],
    params: ConfigIdParams,
    body: ReviewIn,
    responses: {
      200: { description: "The config", schema: SyncConfigOut },
      404: { description: "No such config of the caller's", schema: ErrorOut },
    },
  }, async (ctx, { user, params, body }) => {
    const { db } = ctx.state.services;
    if (!await reviewSyncConfig(db, params.id, user.id, body.action)) {
      throw new HttpError(404, NO_SUCH_SYNC);
    }
    return ctx.json(syncConfigOut((await getSyncConfig(db, params.id, user.id))!));
  }),
});
