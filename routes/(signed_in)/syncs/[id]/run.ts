import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { page } from "@/lib/http/page.ts";
import { ConfigIdParams } from "@/lib/sync/api_schemas.ts";
import { startManualSync } from "@/lib/sync/configs.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

/** "Sync now" without JavaScript: runs the sync, then shows its result on the dashboard. */
export const handler = define.handlers({
  POST: page({ params: ConfigIdParams }, async (ctx, { user, params }) => {
    const sync = await startManualSync(ctx.state.services, user.id, params.id);
    if (!sync) throw new HttpError(404, NO_SUCH_SYNC);
    const result = await sync.run();
    return ctx.redirect(`/?ran=${params.id}&log=${result.sync_log_id}#sync-${params.id}`);
  }),
});
