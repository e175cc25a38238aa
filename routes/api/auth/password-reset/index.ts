import { z } from "zod";
import { SignInEmail } from "@/lib/auth/accounts.ts";
import { requestPasswordReset, RESET_LINK_MINUTES } from "@/lib/auth/password_reset.ts";
import { api } from "@/lib/http/api.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Ask for a password-reset link by email",
    description: "Answers 202 whether or not an account has this email, so the answer tells " +
      `nothing of who is registered. The account's owner gets a link valid ${RESET_LINK_MINUTES} ` +
      "minutes that works once. Limited per client address and per email.",
    tags: ["auth"],
    auth: false,
    body: z.object({ email: SignInEmail }),
    responses: {
      202: { description: "If the account exists, the link is on its way" },
      422: { description: "Not an email address", schema: ErrorOut },
      429: { description: "Too many requests: wait `Retry-After` seconds", schema: ErrorOut },
    },
  }, async (ctx, { body }) => {
    await requestPasswordReset(ctx.state.services, body.email, ctx.remoteAddr ?? "unknown");
    return new Response(null, { status: 202 });
  }),
});
