import { z } from "zod";
import { api } from "@/lib/http/api.ts";
import { V0_SPEC } from "@/lib/http/v0/errors.ts";
import { roleStatus } from "@/lib/http/v0/roles.ts";
import { define } from "@/lib/web/define.ts";

const V0StatusOut = z.object({
  source_connected: z.boolean(),
  source_email: z.string().nullable(),
  destination_connected: z.boolean(),
  destination_email: z.string().nullable(),
}).meta({ id: "V0OAuthStatus" });

export const handler = define.handlers({
  GET: api({
    ...V0_SPEC,
    summary: "Which accounts are connected (seed-compatible, flat)",
    responses: { 200: { description: "Both connections", schema: V0StatusOut } },
  }, async (ctx, { user }) => ctx.json(await roleStatus(ctx.state.services, user.id))),
});
