import {
  startManualSync,
  SyncConfigConflictError,
  SyncInProgressError,
} from "@/lib/sync/configs.ts";
import { page } from "@/lib/http/page.ts";
import { ConfigIdParams } from "@/lib/sync/api_schemas.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

/** "Sync now" without JavaScript: runs the sync, then shows its result on the dashboard. */
export const handler = define.handlers({
  POST: page({ params: ConfigIdParams }, async (ctx, { user, params }) => {
    let sync;
    try {
      sync = await startManualSync(ctx.state.services, user.id, params.id);
    } catch (error) {
      if (error instanceof SyncInProgressError) {
        throw new HttpError(409, "This sync is already running. Go back and try again in a moment");
      }
      if (error instanceof SyncConfigConflictError) throw new HttpError(409, error.message);
      throw error;
    }
    if (!sync) throw new HttpError(404, "There is no such sync");
    const result = await sync.run();
    return ctx.redirect(`/?ran=${params.id}&log=${result.sync_log_id}#sync-${params.id}`);
  }),
});
