import { api } from "@/lib/http/api.ts";
import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { getSyncConfig } from "@/lib/db/sync_configs.ts";
import { listSyncLogsPage } from "@/lib/db/sync_logs.ts";
import {
  ConfigIdParams,
  syncLogOut,
  SyncLogPageOut,
  SyncLogsQuery,
} from "@/lib/sync/api_schemas.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  GET: api({
    summary: "A sync config's run history",
    description: "Runs newest first, `limit` per page; pass `next_cursor` as `before` for the " +
      "next page.",
    tags: ["sync"],
    params: ConfigIdParams,
    query: SyncLogsQuery,
    responses: {
      200: { description: "One page of runs", schema: SyncLogPageOut },
      404: { description: "No such config of the caller's", schema: ErrorOut },
      422: { description: "Invalid `limit` or unknown `before`", schema: ErrorOut },
    },
  }, async (ctx, { user, params, query }) => {
    const { db } = ctx.state.services;
    if (!await getSyncConfig(db, params.id, user.id)) throw new HttpError(404, NO_SUCH_SYNC);
    const page = await listSyncLogsPage(db, params.id, user.id, query);
    if (!page) {
      throw new HttpError(422, "Invalid query parameters", {
        fields: { before: "expected a next_cursor of this config's history" },
      });
    }
    return ctx.json({ logs: page.logs.map(syncLogOut), next_cursor: page.next });
  }),
});
