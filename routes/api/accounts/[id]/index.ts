import { api } from "@/lib/http/api.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { AccountIdParams, DisconnectOut, DisconnectQuery } from "@/lib/google/api_schemas.ts";
import { disconnectAccountForUser } from "@/lib/sync/configs.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  DELETE: api({
    summary: "Disconnect a Google account",
    description: "Revokes the grant at Google (best effort), deletes the stored tokens and " +
      "calendars, and pauses every sync that uses the account on either side (they are kept, " +
      "and resume when the same account is connected again). With `remove_synced_events=true` " +
      "the copies of every sync writing into the account are deleted first.",
    tags: ["accounts"],
    params: AccountIdParams,
    query: DisconnectQuery,
    responses: {
      200: { description: "Disconnected", schema: DisconnectOut },
      404: { description: "No such account of the caller's", schema: ErrorOut },
      409: { description: "A sync writing into it is running: try again", schema: ErrorOut },
      502: {
        description: "Some copies could not be removed; nothing was disconnected",
        schema: ErrorOut,
      },
    },
  }, async (ctx, { user, params, query }) => {
    const result = await disconnectAccountForUser(ctx.state.services, user.id, params.id, {
      removeSyncedEvents: query.remove_synced_events,
    });
    if (!result) throw new HttpError(404, "There is no such Google account");
    return ctx.json({
      disconnected: true,
      paused_syncs: result.paused,
      events_removed: result.events_removed,
    });
  }),
});
