import { assertSameOrigin, authenticate } from "@/lib/http/auth.ts";
import { jsonErrorResponse } from "@/lib/http/errors.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.middleware([
  async function apiErrorsAsJson(ctx) {
    if (!ctx.url.pathname.startsWith("/api/") && ctx.url.pathname !== "/api") return ctx.next();
    try {
      return await ctx.next();
    } catch (error) {
      return jsonErrorResponse(error, ctx.state.requestId);
    }
  },
  async function session(ctx) {
    const found = await authenticate(ctx.req, ctx.state.services);
    if (found?.via !== "bearer") assertSameOrigin(ctx.req, ctx.url, ctx.state.services);
    ctx.state.user = found?.user;
    ctx.state.session = found?.claims;
    return ctx.next();
  },
]);
