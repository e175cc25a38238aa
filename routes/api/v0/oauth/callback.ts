import { z } from "zod";
import { api } from "@/lib/http/api.ts";
import { V0_SPEC, v0Error } from "@/lib/http/v0/errors.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

/** A connection's state is a signed JWT; a sign-in's is a bare uuid. */
const CONNECT_STATE = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const SIGN_IN_STATE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const CallbackQuery = z.object({
  state: z.string().max(4096).optional(),
  code: z.string().max(4096).optional(),
  error: z.string().max(200).optional(),
  scope: z.string().max(4096).optional(),
});

export const handler = define.handlers({
  GET: api({
    ...V0_SPEC,
    summary: "Google's redirect back (seed-compatible)",
    description: "The seed had one callback for connecting and for signing in. Google is sent " +
      "to `/api/oauth/callback` (connecting) or `/api/auth/google/callback` (signing in); a " +
      "redirect that comes here anyway is passed on (307) to the one its state belongs to, " +
      "which checks it as always.",
    auth: false,
    query: CallbackQuery,
    responses: {
      307: { description: "On to the callback of the flow the state belongs to" },
      400: v0Error("Invalid state token"),
    },
  }, (ctx, { query }) => {
    const state = query.state ?? "";
    const to = CONNECT_STATE.test(state)
      ? "/api/oauth/callback"
      : SIGN_IN_STATE.test(state)
      ? "/api/auth/google/callback"
      : undefined;
    if (!to) throw new HttpError(400, "Invalid state token");
    return ctx.redirect(`${to}${ctx.url.search}`, 307);
  }),
});
