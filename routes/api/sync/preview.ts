import { api } from "@/lib/http/api.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { NewSyncConfigIn, SyncPreviewOut } from "@/lib/sync/api_schemas.ts";
import { previewNewConfig } from "@/lib/sync/configs.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Preview a new sync",
    description: "With the body of a create: what its first run would do, without writing " +
      "anything (the same planner as a run; costs the source listing). Lists are bounded to " +
      "200 each; `counts` are complete.",
    tags: ["sync"],
    body: NewSyncConfigIn,
    responses: {
      200: { description: "The preview", schema: SyncPreviewOut },
      409: { description: "An account must be (re)connected first", schema: ErrorOut },
      422: { description: "Invalid field (`fields` says which)", schema: ErrorOut },
    },
  }, async (ctx, { user, body }) => {
    return ctx.json(await previewNewConfig(ctx.state.services, user.id, body));
  }),
});
