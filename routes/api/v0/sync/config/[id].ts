import { api } from "@/lib/http/api.ts";
import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { V0_SPEC, v0Error } from "@/lib/http/v0/errors.ts";
import { ConfigIdParams } from "@/lib/sync/api_schemas.ts";
import { deleteSyncConfigForUser } from "@/lib/sync/configs.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  DELETE: api({
    ...V0_SPEC,
    summary: "Delete a sync config (seed-compatible)",
    description: "Its history goes with it; the copies it made stay in the destination.",
    params: ConfigIdParams,
    responses: {
      204: { description: "Deleted" },
      404: v0Error("No such config of the caller's"),
      409: v0Error("A run is in progress"),
    },
  }, async (ctx, { user, params }) => {
    const outcome = await deleteSyncConfigForUser(ctx.state.services, user.id, params.id, {
      removeSyncedEvents: false,
    });
    if (!outcome) throw new HttpError(404, NO_SUCH_SYNC);
    return new Response(null, { status: 204 });
  }),
});
