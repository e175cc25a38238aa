import { z } from "zod";
import { AccountIdParams } from "@/lib/google/api_schemas.ts";
import { startAuthorization } from "@/lib/google/oauth_flow.ts";
import { page } from "@/lib/http/page.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

const ReconnectQuery = z.object({
  /** Opened as a popup by the dashboard, which the dashboard it returns to then closes. */
  popup: z.literal("1").optional().catch(undefined),
});

/** "Reconnect": Google's consent page with this account preselected (a link; see ../connect.ts). */
export const handler = define.handlers({
  GET: page(
    { params: AccountIdParams, query: ReconnectQuery },
    async (ctx, { user, params, query }) => {
      const started = await startAuthorization(ctx.state.services, user.id, {
        accountId: params.id,
        popup: query.popup === "1",
      });
      if (!started) throw new HttpError(404, "There is no such Google account");
      return ctx.redirect(started.authorizationUrl, 302);
    },
  ),
});
