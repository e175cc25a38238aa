import { fastApiError } from "@/lib/http/v0/errors.ts";
import { define } from "@/lib/web/define.ts";

/** The compatibility API answers errors as the seed did: `{"detail": …}`. */
export const handler = define.middleware(async function fastApiErrors(ctx) {
  try {
    return await ctx.next();
  } catch (error) {
    return fastApiError(error, { requestId: ctx.state.requestId, path: ctx.url.pathname });
  }
});
