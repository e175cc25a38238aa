import { api } from "@/lib/http/api.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { AccountTypeParams, CalendarListOut } from "@/lib/google/api_schemas.ts";
import { listRoleCalendars } from "@/lib/sync/seed_compat.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  GET: api({
    summary: "Calendars of the account a seed role names",
    description: "Seed-compatible: `GET /api/accounts/{id}/calendars?refresh=true` for the " +
      "role's account. Read from Google and cached; when Google is unreachable the cached list is " +
      "served with `stale: true`. Only `writable` calendars are valid sync destinations.",
    tags: ["seed-compatible"],
    params: AccountTypeParams,
    responses: {
      200: { description: "The calendar list", schema: CalendarListOut },
      409: { description: "Not connected, or the connection needs reconnecting", schema: ErrorOut },
      422: { description: "Unknown account type", schema: ErrorOut },
      502: { description: "Google is unreachable and nothing is cached", schema: ErrorOut },
    },
  }, async (ctx, { user, params }) => {
    const list = await listRoleCalendars(ctx.state.services, user.id, params.account_type);
    return ctx.json({
      calendars: list.calendars,
      stale: list.stale,
      fetched_at: list.fetched_at && new Date(list.fetched_at).toISOString(),
    });
  }),
});
