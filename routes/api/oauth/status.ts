import { api } from "@/lib/http/api.ts";
import { ConnectionStatusOut } from "@/lib/google/api_schemas.ts";
import { connectionStatus } from "@/lib/google/connections.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  GET: api({
    summary: "Which Google accounts are connected",
    description: "`status` is `needs_reconnect` once Google refused the stored grant.",
    tags: ["oauth"],
    responses: {
      200: { description: "Both connections", schema: ConnectionStatusOut },
    },
  }, async (ctx, { user }) => {
    return ctx.json(await connectionStatus(ctx.state.services, user.id));
  }),
});
