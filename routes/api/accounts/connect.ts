import { api } from "@/lib/http/api.ts";
import { authorizationAnswer } from "@/lib/http/authorization_answer.ts";
import { AuthorizationOut, ConnectIn } from "@/lib/google/api_schemas.ts";
import { startAuthorization } from "@/lib/google/oauth_flow.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Connect a Google account",
    description: "Answers Google's consent URL (a page's form is redirected there, 303). The " +
      "callback adds the account the person picks at Google, or renews it when it is already " +
      "connected. The state inside is single-use, bound to the caller, and expires in 10 minutes.",
    tags: ["accounts"],
    body: ConnectIn,
    bodyTypes: ["application/json", "application/x-www-form-urlencoded"],
    responses: {
      200: { description: "Google's authorization URL", schema: AuthorizationOut },
      303: { description: "A page's form: redirect to Google's consent page" },
    },
  }, async (ctx, { user, body }) => {
    const started = await startAuthorization(ctx.state.services, user.id, {
      loginHint: body.login_hint,
    });
    return authorizationAnswer(ctx, started!.authorizationUrl, 303);
  }),
});
