import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { page } from "@/lib/http/page.ts";
import { reviewSyncConfig } from "@/lib/db/sync_configs.ts";
import { ConfigIdParams, ReviewIn } from "@/lib/sync/api_schemas.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

/** "Remove them" / "Keep them and pause" without JavaScript. */
export const handler = define.handlers({
  POST: page({ params: ConfigIdParams, form: ReviewIn }, async (ctx, { user, params, form }) => {
    const config = await reviewSyncConfig(ctx.state.services.db, params.id, user.id, form.action);
    if (!config) throw new HttpError(404, NO_SUCH_SYNC);
    return ctx.redirect(`/#sync-${params.id}`);
  }),
});
