import { api } from "@/lib/http/api.ts";
import { AccountTypeParams } from "@/lib/google/api_schemas.ts";
import { V0_SPEC, v0Error } from "@/lib/http/v0/errors.ts";
import { roleCalendars } from "@/lib/http/v0/roles.ts";
import { V0CalendarListOut, v0Calendars } from "@/lib/http/v0/shapes.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  GET: api({
    ...V0_SPEC,
    summary: "Calendars of a connected account (seed-compatible)",
    params: AccountTypeParams,
    responses: {
      200: { description: "The calendar list", schema: V0CalendarListOut },
      404: v0Error("That account is not connected"),
      409: v0Error("The connection needs reconnecting"),
      502: v0Error("Google is unreachable and nothing is cached"),
    },
  }, async (ctx, { user, params }) => {
    const { services } = ctx.state;
    return ctx.json(v0Calendars(await roleCalendars(services, user.id, params.account_type)));
  }),
});
