import { z } from "zod";
import { signIn, SignInEmail } from "@/lib/auth/accounts.ts";
import { api } from "@/lib/http/api.ts";
import { V0_SPEC, v0Error } from "@/lib/http/v0/errors.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  POST: api({
    ...V0_SPEC,
    summary: "Sign in with the OAuth2 password form (seed-compatible)",
    description: "`username` is the email.",
    auth: false,
    body: z.object({ username: SignInEmail, password: z.string().min(1).max(1024) }),
    bodyTypes: ["application/x-www-form-urlencoded"],
    responses: {
      200: {
        description: "A bearer token",
        schema: z.object({ access_token: z.string(), token_type: z.literal("bearer") }),
      },
      401: v0Error("Incorrect email or password"),
      429: v0Error("Too many failed attempts: wait `Retry-After` seconds"),
    },
  }, async (ctx, { body }) => {
    const address = ctx.remoteAddr ?? "unknown";
    const { token } = await signIn(ctx.state.services, body.username, body.password, address);
    return ctx.json({ access_token: token, token_type: "bearer" });
  }),
});
