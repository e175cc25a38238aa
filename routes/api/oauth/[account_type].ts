import { z } from "zod";
import { api } from "@/lib/http/api.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { AccountTypeParams } from "@/lib/google/api_schemas.ts";
import { disconnectRole } from "@/lib/sync/seed_compat.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  DELETE: api({
    summary: "Disconnect the account a seed role names",
    description: "Seed-compatible: `DELETE /api/accounts/{id}` for the role's account. Revokes " +
      "the grant at Google (best effort) and deletes the stored tokens and calendars. Sync " +
      "configs that use the account are paused, not deleted.",
    tags: ["seed-compatible"],
    params: AccountTypeParams,
    responses: {
      200: {
        description: "Disconnected",
        schema: z.object({
          disconnected: z.literal(true),
          paused_sync_configs: z.number().int(),
        }),
      },
      404: { description: "That account is not connected", schema: ErrorOut },
      422: { description: "Unknown account type", schema: ErrorOut },
    },
  }, async (ctx, { user, params }) => {
    const result = await disconnectRole(ctx.state.services, user.id, params.account_type);
    if (!result) {
      throw new HttpError(404, `No ${params.account_type} Google account is connected`);
    }
    return ctx.json({ disconnected: true, paused_sync_configs: result.paused.length });
  }),
});
