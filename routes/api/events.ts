import { api } from "@/lib/http/api.ts";
import { MAX_STREAMS_PER_USER, userEventStream } from "@/lib/http/events.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  GET: api({
    summary: "Live changes to the caller's accounts and syncs",
    description: "Server-Sent Events (`text/event-stream`) announcing, from any instance, what " +
      "changed for the caller: `run_started`, `run_finished` (with `status`), " +
      "`status_changed`, `config_created`, `config_deleted`, `config_paused`, " +
      "`config_resumed` (each with `config_id`), `account_connected`, `account_reconnected`, " +
      "`account_needs_reconnect`, `account_disconnected` (with `account`). The data is the " +
      "ids and kind only: fetch the item from `/api` for its state. A comment every 25 s keeps " +
      `it open; a user may hold ${MAX_STREAMS_PER_USER} streams at once.`,
    tags: ["sync"],
    responses: {
      200: { description: "The event stream" },
      429: { description: "Too many streams open for this user", schema: ErrorOut },
    },
  }, async (ctx, { user }) => {
    const stream = await userEventStream(ctx.state.services.events, user.id);
    if (!stream) throw new HttpError(429, "Too many live streams are open; close a tab");
    return stream;
  }),
});
