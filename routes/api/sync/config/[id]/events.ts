import { api } from "@/lib/http/api.ts";
import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { ConfigIdParams, ExplainOut, ExplainQuery } from "@/lib/sync/api_schemas.ts";
import { explainSyncEvents } from "@/lib/sync/configs.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  GET: api({
    summary: "Why is (or isn't) my event there?",
    description: "The source events matching `q`, each with `status` (copied, filtered, " +
      "outside_window, unsupported_type, failed, pending), a `reason` in words, and the copy's " +
      "id when copied.",
    tags: ["sync"],
    params: ConfigIdParams,
    query: ExplainQuery,
    responses: {
      200: { description: "The matching events", schema: ExplainOut },
      404: { description: "No such config of the caller's", schema: ErrorOut },
      409: { description: "The source account must be (re)connected", schema: ErrorOut },
    },
  }, async (ctx, { user, params, query }) => {
    const services = ctx.state.services;
    const events = await explainSyncEvents(services, user.id, params.id, query.q, query.limit);
    if (!events) throw new HttpError(404, NO_SUCH_SYNC);
    return ctx.json({ events });
  }),
});
