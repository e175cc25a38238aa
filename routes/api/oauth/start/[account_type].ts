import { z } from "zod";
import { api } from "@/lib/http/api.ts";
import { bearerSessionCookie } from "@/lib/http/auth.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { AccountTypeParams } from "@/lib/google/api_schemas.ts";
import { startAuthorization } from "@/lib/google/oauth_flow.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  GET: api({
    summary: "Start connecting a Google account",
    description: "A browser is redirected (302) to Google's consent page; a client that accepts " +
      "JSON (and not HTML) gets the URL instead. The state inside is single-use, bound to the " +
      "caller and the account type, and expires in 10 minutes. Started with a bearer token, " +
      "the answer also sets the session cookie (HttpOnly, SameSite=Lax) holding that token, so " +
      "that the browser Google sends back finds its session at the callback.",
    tags: ["oauth"],
    params: AccountTypeParams,
    responses: {
      200: {
        description: "Google's authorization URL",
        schema: z.object({ authorization_url: z.url() }),
      },
      302: { description: "Redirect to Google's consent page" },
      422: { description: "Unknown account type", schema: ErrorOut },
    },
  }, async (ctx, { user, params }) => {
    const { authorizationUrl } = await startAuthorization(
      ctx.state.services,
      user.id,
      params.account_type,
    );
    const accept = ctx.req.headers.get("accept") ?? "";
    const response = accept.includes("application/json") && !accept.includes("text/html")
      ? ctx.json({ authorization_url: authorizationUrl })
      : ctx.redirect(authorizationUrl, 302);
    const cookie = bearerSessionCookie(ctx.req, ctx.url, ctx.state.services);
    if (cookie) response.headers.append("set-cookie", cookie);
    return response;
  }),
});
