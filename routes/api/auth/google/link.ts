import { z } from "zod";
import { api } from "@/lib/http/api.ts";
import { googleSignInAnswer } from "@/lib/http/google_signin.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Link a Google account to the signed-in account",
    description: "Sends the signed-in person to Google (303, or the URL as JSON) to choose the " +
      "Google account they will sign in with from then on. The callback links it only for the " +
      "same signed-in user. A Google account that already signs in another user is refused.",
    tags: ["auth"],
    responses: {
      200: {
        description: "Google's authorization URL",
        schema: z.object({ authorization_url: z.url() }),
      },
      303: { description: "Redirect to Google's consent page" },
    },
  }, async (ctx, { user }) => {
    return await googleSignInAnswer(ctx.req, ctx.url, ctx.state.services, {
      purpose: "link",
      userId: user.id,
      next: "/account",
    }, 303);
  }),
});
