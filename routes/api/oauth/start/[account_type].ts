import { api } from "@/lib/http/api.ts";
import { bearerSessionCookie } from "@/lib/http/auth.ts";
import { authorizationAnswer } from "@/lib/http/authorization_answer.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { AccountTypeParams, AuthorizationOut } from "@/lib/google/api_schemas.ts";
import { startRoleAuthorization } from "@/lib/sync/seed_compat.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  GET: api({
    summary: "Start connecting a Google account through a seed role",
    description: "Seed-compatible: like `POST /api/accounts/connect`, with the role's account " +
      "preselected; the account connected becomes the one the role names. A browser is " +
      "redirected (302) to Google's consent page; a client that accepts JSON (and not HTML) " +
      "gets the URL instead. Started with a bearer token, the answer also sets the session " +
      "cookie (HttpOnly, SameSite=Lax) holding that token, so that the browser Google sends " +
      "back finds its session at the callback.",
    tags: ["seed-compatible"],
    params: AccountTypeParams,
    responses: {
      200: {
        description: "Google's authorization URL",
        schema: AuthorizationOut,
      },
      302: { description: "Redirect to Google's consent page" },
      422: { description: "Unknown account type", schema: ErrorOut },
    },
  }, async (ctx, { user, params }) => {
    const { authorizationUrl } = await startRoleAuthorization(
      ctx.state.services,
      user.id,
      params.account_type,
    );
    const response = authorizationAnswer(ctx, authorizationUrl, 302);
    const cookie = bearerSessionCookie(ctx.req, ctx.url, ctx.state.services);
    if (cookie) response.headers.append("set-cookie", cookie);
    return response;
  }),
});
