import { api } from "@/lib/http/api.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { AccountCalendarsOut, AccountIdParams, CalendarsQuery } from "@/lib/google/api_schemas.ts";
import { accountCalendars } from "@/lib/google/calendar_list.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  GET: api({
    summary: "Calendars of a connected Google account",
    description: "From the cache (refreshed in the background once it is a few minutes old), " +
      "or from Google with `refresh=true`; when Google cannot be reached the cached list is " +
      "served with `stale: true`. Only `writable` calendars are valid sync destinations.",
    tags: ["accounts"],
    params: AccountIdParams,
    query: CalendarsQuery,
    responses: {
      200: { description: "The calendar list", schema: AccountCalendarsOut },
      404: { description: "No such account of the caller's", schema: ErrorOut },
      409: {
        description: "The account needs reconnecting and nothing is cached",
        schema: ErrorOut,
      },
      502: { description: "Google is unreachable and nothing is cached", schema: ErrorOut },
    },
  }, async (ctx, { user, params, query }) => {
    const list = await accountCalendars(ctx.state.services, user.id, params.id, query.refresh);
    if (!list) throw new HttpError(404, "There is no such Google account");
    return ctx.json(list);
  }),
});
