import { api } from "@/lib/http/api.ts";
import { authorizationAnswer } from "@/lib/http/authorization_answer.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { AccountIdParams, AuthorizationOut } from "@/lib/google/api_schemas.ts";
import { startAuthorization } from "@/lib/google/oauth_flow.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Reconnect a Google account",
    description: "Google's consent URL with `login_hint` set to the account. If the person " +
      "picks another Google account there, the callback leaves this one untouched, adds (or " +
      "renews) the other as its own account and says so. Reconnecting the right account " +
      "resumes the syncs its failure or disconnect held back.",
    tags: ["accounts"],
    params: AccountIdParams,
    responses: {
      200: { description: "Google's authorization URL", schema: AuthorizationOut },
      303: { description: "A page's form: redirect to Google's consent page" },
      404: { description: "No such account of the caller's", schema: ErrorOut },
    },
  }, async (ctx, { user, params }) => {
    const started = await startAuthorization(ctx.state.services, user.id, {
      accountId: params.id,
    });
    if (!started) throw new HttpError(404, "There is no such Google account");
    return authorizationAnswer(ctx, started.authorizationUrl, 303);
  }),
});
