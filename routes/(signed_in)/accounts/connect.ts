import { page } from "@/lib/http/page.ts";
import { startAuthorization } from "@/lib/google/oauth_flow.ts";
import { define } from "@/lib/web/define.ts";

/**
 * "Connect a Google account": straight to Google's consent page. A link rather than a form:
 * the page's `form-action 'self'` would stop a form's redirect to Google.
 */
export const handler = define.handlers({
  GET: page({}, async (ctx, { user }) => {
    const { authorizationUrl } = (await startAuthorization(ctx.state.services, user.id, {}))!;
    return ctx.redirect(authorizationUrl, 302);
  }),
});
