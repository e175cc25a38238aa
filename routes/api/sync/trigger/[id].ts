import { api } from "@/lib/http/api.ts";
import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { syncEventStream, wantsEventStream } from "@/lib/http/sse.ts";
import { ConfigIdParams, SyncResultOut, syncResultOut } from "@/lib/sync/api_schemas.ts";
import { startManualSync } from "@/lib/sync/configs.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Run a sync now",
    description: "Runs the config once and answers with the run's result. With " +
      "`Accept: text/event-stream` the answer is Server-Sent Events instead: `progress` events " +
      "with `{done, total}` as writes complete, then one `result` event (the same JSON) or one " +
      "`error` event with `{message}`. A run that is already in progress, in any process, is " +
      "refused with 409 before anything streams.",
    tags: ["sync"],
    params: ConfigIdParams,
    responses: {
      200: { description: "The run's result (or the event stream)", schema: SyncResultOut },
      404: { description: "No such config of the caller's", schema: ErrorOut },
      409: { description: "A run is in progress, or the config is paused", schema: ErrorOut },
    },
  }, async (ctx, { user, params }) => {
    const sync = await startManualSync(ctx.state.services, user.id, params.id);
    if (!sync) throw new HttpError(404, NO_SUCH_SYNC);
    if (wantsEventStream(ctx.req)) return syncEventStream(sync.run, syncResultOut);
    return ctx.json(syncResultOut(await sync.run()));
  }),
});
