import { api } from "@/lib/http/api.ts";
import { UserOut, userOut } from "@/lib/http/schemas.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  GET: api({
    summary: "The signed-in account",
    tags: ["auth"],
    responses: {
      200: { description: "The account", schema: UserOut },
    },
  }, (ctx, { user }) => ctx.json(userOut(user))),
});
