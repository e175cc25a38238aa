import { z } from "zod";
import { getSyncConfig } from "@/lib/db/sync_configs.ts";
import { listSyncLogsPage } from "@/lib/db/sync_logs.ts";
import { api } from "@/lib/http/api.ts";
import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { V0_SPEC, v0Error } from "@/lib/http/v0/errors.ts";
import { v0SyncLog, V0SyncLogOut } from "@/lib/http/v0/shapes.ts";
import { ConfigIdParams } from "@/lib/sync/api_schemas.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

/** The seed answered the last 50 runs. */
const SEED_LOG_LIMIT = 50;

export const handler = define.handlers({
  GET: api({
    ...V0_SPEC,
    summary: "A sync config's last 50 runs, newest first, as a bare array (seed-compatible)",
    params: ConfigIdParams,
    responses: {
      200: { description: "The runs", schema: z.array(V0SyncLogOut) },
      404: v0Error("No such config of the caller's"),
    },
  }, async (ctx, { user, params }) => {
    const { db } = ctx.state.services;
    if (!await getSyncConfig(db, params.id, user.id)) throw new HttpError(404, NO_SUCH_SYNC);
    const page = await listSyncLogsPage(db, params.id, user.id, { limit: SEED_LOG_LIMIT });
    return ctx.json((page?.logs ?? []).map(v0SyncLog));
  }),
});
