import { clearedSessionCookie, isSecure } from "@/lib/http/auth.ts";
import { api } from "@/lib/http/api.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Sign out (clears the session cookie)",
    description: "A browser form post is redirected to the sign-in page.",
    tags: ["auth"],
    auth: false,
    responses: { 204: { description: "Signed out" }, 303: { description: "Back to /login" } },
  }, (ctx) => {
    const cookie = clearedSessionCookie(isSecure(ctx.url, ctx.state.services));
    const wantsPage = ctx.req.headers.get("accept")?.includes("text/html");
    const response = wantsPage ? ctx.redirect("/login") : new Response(null, { status: 204 });
    response.headers.append("set-cookie", cookie);
    return response;
  }),
});
