import { z } from "zod";
import { NewPassword } from "@/lib/auth/accounts.ts";
import { confirmPasswordReset } from "@/lib/auth/password_reset.ts";
import { api } from "@/lib/http/api.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Set a new password with a reset link's token",
    description: "The token works once, within 30 minutes of the request. Every session and " +
      "token of the account is signed out; the answer carries a token of a new one.",
    tags: ["auth"],
    auth: false,
    body: z.object({ token: z.string().min(1).max(200), password: NewPassword }),
    responses: {
      200: {
        description: "The password is set; a token of a new session",
        schema: z.object({ access_token: z.string(), token_type: z.literal("bearer") }),
      },
      410: { description: "The link expired or was already used", schema: ErrorOut },
      422: { description: "The new password is not acceptable", schema: ErrorOut },
    },
  }, async (ctx, { body }) => {
    const { token } = await confirmPasswordReset(ctx.state.services, body.token, body.password);
    return ctx.json({ access_token: token, token_type: "bearer" as const });
  }),
});
