import { api } from "@/lib/http/api.ts";
import { ConnectionStatusOut } from "@/lib/google/api_schemas.ts";
import { roleConnections } from "@/lib/sync/seed_compat.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  GET: api({
    summary: "Which accounts the seed roles name",
    description: "Seed-compatible: the account most recently connected through each role. " +
      "`status` is `needs_reconnect` once Google refused the stored grant. `GET /api/accounts` " +
      "lists every account.",
    tags: ["seed-compatible"],
    responses: {
      200: { description: "Both connections", schema: ConnectionStatusOut },
    },
  }, async (ctx, { user }) => {
    return ctx.json(await roleConnections(ctx.state.services, user.id));
  }),
});
