import { z } from "zod";
import { api } from "@/lib/http/api.ts";
import { receivePushMessage } from "@/lib/sync/push.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Google push notifications (events.watch)",
    description: "Google's messages about watched source calendars. The channel id and token " +
      "must match a channel the app opened (else 404). `exists` makes every active config " +
      "reading that calendar due now; `sync` is only noted. Answers 200 with no body.",
    tags: ["sync"],
    auth: false,
    responses: {
      200: { description: "Accepted", schema: z.null() },
      404: { description: "Unknown channel or wrong token", schema: z.null() },
    },
  }, async (ctx) => {
    const h = ctx.req.headers;
    const ok = await receivePushMessage(ctx.state.services, {
      channelId: h.get("x-goog-channel-id"),
      token: h.get("x-goog-channel-token"),
      state: h.get("x-goog-resource-state"),
    });
    await ctx.req.body?.cancel();
    return new Response(null, { status: ok ? 200 : 404 });
  }),
});
