import { z } from "zod";
import { api } from "@/lib/http/api.ts";
import { googleSignInAnswer } from "@/lib/http/google_signin.ts";
import { safeNext } from "@/lib/http/session.ts";
import { define } from "@/lib/web/define.ts";

const StartQuery = z.object({
  next: z.string().max(8192).refine((next) => safeNext(next) === next, {
    message: "expected a path on this site",
  }).optional().describe("Where to go once signed in (default /)"),
});

export const handler = define.handlers({
  GET: api({
    summary: "Sign in (or sign up) with Google",
    description: "OpenID Connect with `openid email` only (no calendar access). A browser is " +
      "redirected (302) to Google's consent page; a client that accepts JSON (and not HTML) " +
      "gets the URL instead. The answer sets a short-lived HttpOnly cookie that binds the " +
      "attempt to this browser: the callback refuses a state without it. `next` is where a " +
      "signed-in person goes afterwards (a same-site path).",
    tags: ["auth"],
    auth: false,
    query: StartQuery,
    responses: {
      200: {
        description: "Google's authorization URL",
        schema: z.object({ authorization_url: z.url() }),
      },
      302: { description: "Redirect to Google's consent page" },
    },
  }, async (ctx, { query }) => {
    return await googleSignInAnswer(ctx.req, ctx.url, ctx.state.services, {
      purpose: "sign_in",
      client: "web",
      next: query.next ?? "/",
    });
  }),
});
