import { assertSameOrigin, authenticate } from "@/lib/http/auth.ts";
import { httpErrorOf } from "@/lib/http/domain_errors.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.middleware([
  async function domainErrors(ctx) {
    try {
      return await ctx.next();
    } catch (error) {
      throw httpErrorOf(error) ?? error;
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
