import { api } from "@/lib/http/api.ts";
import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { ConfigIdParams, SyncConfigPatchIn, SyncPreviewOut } from "@/lib/sync/api_schemas.ts";
import { previewConfigChange } from "@/lib/sync/configs.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Preview a change of a sync",
    description: "With the body of a PATCH: what the next run would do were it saved, without " +
      "writing anything. Save with `confirm_removals: true` once the person confirmed the " +
      "removals it shows, and the run is not held for review.",
    tags: ["sync"],
    params: ConfigIdParams,
    body: SyncConfigPatchIn,
    responses: {
      200: { description: "The preview", schema: SyncPreviewOut },
      404: { description: "No such config of the caller's", schema: ErrorOut },
      409: { description: "An account must be (re)connected first", schema: ErrorOut },
      422: { description: "Invalid field (`fields` says which)", schema: ErrorOut },
    },
  }, async (ctx, { user, params, body }) => {
    const preview = await previewConfigChange(ctx.state.services, user.id, params.id, body);
    if (!preview) throw new HttpError(404, NO_SUCH_SYNC);
    return ctx.json(preview);
  }),
});
