import { z } from "zod";
import { api } from "@/lib/http/api.ts";
import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { V0_SPEC, v0Error } from "@/lib/http/v0/errors.ts";
import { ConfigIdParams } from "@/lib/sync/api_schemas.ts";
import { startManualSync } from "@/lib/sync/configs.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  POST: api({
    ...V0_SPEC,
    summary: "Run a sync now (seed-compatible)",
    description: "Runs the config once, as `POST /api/sync/trigger/{id}` does, and answers " +
      "with the run's log id when it has ended; its outcome is in the logs.",
    params: ConfigIdParams,
    responses: {
      200: {
        description: "The run's log",
        schema: z.object({ message: z.string(), sync_log_id: z.uuid() }),
      },
      404: v0Error("No such config of the caller's"),
      409: v0Error("A run is in progress, or the config is paused"),
    },
  }, async (ctx, { user, params }) => {
    const sync = await startManualSync(ctx.state.services, user.id, params.id);
    if (!sync) throw new HttpError(404, NO_SUCH_SYNC);
    const result = await sync.run();
    return ctx.json({ message: `Sync ${result.status}`, sync_log_id: result.sync_log_id });
  }),
});
