import { z } from "zod";
import { api } from "@/lib/http/api.ts";
import { bearerSessionCookie } from "@/lib/http/auth.ts";
import { googleSignInAnswer } from "@/lib/http/google_signin.ts";
import { V0_SPEC, v0Error } from "@/lib/http/v0/errors.ts";
import { startRoleConnection } from "@/lib/http/v0/roles.ts";
import { define } from "@/lib/web/define.ts";
import { assertSignedIn } from "@/lib/web/state.ts";

const StartParams = z.object({
  account_type: z.enum(["source", "destination", "register"], {
    message: 'expected "source", "destination" or "register"',
  }).describe("Connect the source or destination account, or sign up / in with Google"),
});

export const handler = define.handlers({
  GET: api({
    ...V0_SPEC,
    summary: "Start connecting an account, or signing in with Google (seed-compatible)",
    description: "Always answers the URL as JSON. `source` and `destination` need a bearer " +
      "token; the answer also sets the session cookie (HttpOnly, SameSite=Lax) holding it, so " +
      "the browser Google sends back to `/api/oauth/callback` finds its session there (the " +
      "callback never trusts the state alone). `register` needs no token: it signs in with " +
      "Google (`openid email`), creating the account on a first visit, and the callback sends " +
      "the browser on to `FRONTEND_URL/dashboard?token=…` as the seed did.",
    auth: false,
    params: StartParams,
    responses: {
      200: {
        description: "Google's authorization URL",
        schema: z.object({ authorization_url: z.url() }),
      },
      401: v0Error("Not authenticated (source and destination)"),
    },
  }, async (ctx, { params }) => {
    const { services } = ctx.state;
    if (params.account_type === "register") {
      const start = { purpose: "sign_in", client: "v0", next: "/" } as const;
      return await googleSignInAnswer(ctx.req, ctx.url, services, start, 302, true);
    }
    assertSignedIn(ctx);
    const url = await startRoleConnection(services, ctx.state.user.id, params.account_type);
    const response = ctx.json({ authorization_url: url });
    const cookie = bearerSessionCookie(ctx.req, ctx.url, services);
    if (cookie) response.headers.append("set-cookie", cookie);
    return response;
  }),
});
