import { z } from "zod";
import { signIn, SignInEmail } from "@/lib/auth/accounts.ts";
import { api } from "@/lib/http/api.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { define } from "@/lib/web/define.ts";

// JSON clients send {email, password}; OAuth2 password-form clients send username + password.
const Credentials = z.object({
  email: SignInEmail.optional(),
  username: SignInEmail.optional(),
  password: z.string().min(1, "Password is required").max(1024),
}).refine((c) => c.email || c.username, {
  message: "Email is required",
  path: ["email"],
});

export const handler = define.handlers({
  POST: api({
    summary: "Sign in and get an access token",
    description: "Accepts JSON {email, password} or the OAuth2 password form (username, password).",
    tags: ["auth"],
    auth: false,
    body: Credentials,
    bodyTypes: ["application/json", "application/x-www-form-urlencoded"],
    responses: {
      200: {
        description: "A bearer token",
        schema: z.object({ access_token: z.string(), token_type: z.literal("bearer") }),
      },
      401: { description: "Incorrect email or password", schema: ErrorOut },
      429: {
        description: "Too many failed attempts from this address or on this account: wait " +
          "`Retry-After` seconds",
        schema: ErrorOut,
      },
    },
  }, async (ctx, { body }) => {
    const email = body.email ?? body.username ?? "";
    const { token } = await signIn(
      ctx.state.services,
      email,
      body.password,
      ctx.remoteAddr ?? "unknown",
    );
    return ctx.json({ access_token: token, token_type: "bearer" });
  }),
});
