import { api } from "@/lib/http/api.ts";
import { V0_SPEC } from "@/lib/http/v0/errors.ts";
import { v0User, V0UserOut } from "@/lib/http/v0/shapes.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  GET: api({
    ...V0_SPEC,
    summary: "The signed-in account (seed-compatible)",
    responses: { 200: { description: "The account", schema: V0UserOut } },
  }, (ctx, { user }) => ctx.json(v0User(user))),
});
