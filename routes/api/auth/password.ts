import { z } from "zod";
import { NewPassword } from "@/lib/auth/accounts.ts";
import { changePassword } from "@/lib/auth/password_reset.ts";
import { isSecure, sessionCookie } from "@/lib/http/auth.ts";
import { api } from "@/lib/http/api.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Change the password",
    description: "Needs the current password (counted like a sign-in attempt). Every other " +
      "session and token of the account is signed out; the answer carries a new token, and a " +
      "caller signed in by cookie gets it as a new session cookie.",
    tags: ["auth"],
    body: z.object({
      current_password: z.string().min(1, "Enter your current password").max(1024),
      new_password: NewPassword,
    }),
    responses: {
      200: {
        description: "Changed; a token of the new session",
        schema: z.object({ access_token: z.string(), token_type: z.literal("bearer") }),
      },
      422: { description: "The current password is not right, or the new one", schema: ErrorOut },
      429: {
        description: "Too many wrong passwords: wait `Retry-After` seconds",
        schema: ErrorOut,
      },
    },
  }, async (ctx, { user, body }) => {
    const { services } = ctx.state;
    const { token } = await changePassword(
      services,
      user.id,
      body.current_password,
      body.new_password,
      ctx.remoteAddr ?? "unknown",
    );
    const response = ctx.json({ access_token: token, token_type: "bearer" as const });
    if (!ctx.req.headers.get("authorization")) {
      response.headers.append("set-cookie", sessionCookie(token, isSecure(ctx.url, services)));
    }
    return response;
  }),
});
