import { api } from "@/lib/http/api.ts";
import { AccountListOut } from "@/lib/google/api_schemas.ts";
import { listAccounts } from "@/lib/google/accounts.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  GET: api({
    summary: "The caller's connected Google accounts",
    description: "Any number of them, each one Google account (connecting it again renews it).",
    tags: ["accounts"],
    responses: {
      200: { description: "The accounts", schema: AccountListOut },
    },
  }, async (ctx, { user }) => {
    return ctx.json({ accounts: await listAccounts(ctx.state.services, user.id) });
  }),
});
