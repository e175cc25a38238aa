import { z } from "zod";
import {
  getNotificationSettings,
  updateNotificationSettings,
} from "@/lib/db/notification_settings.ts";
import { api } from "@/lib/http/api.ts";
import { ErrorOut } from "@/lib/http/schemas.ts";
import { define } from "@/lib/web/define.ts";

const Settings = z.object({
  account_reconnect: z.boolean().describe("A Google account needs reconnecting"),
  sync_failing: z.boolean().describe("A sync failed 3 runs in a row (and a reminder a day on)"),
  events_refused: z.boolean().describe("Google refused events for a day (a daily digest)"),
  needs_review: z.boolean().describe("A sync stopped before deleting many copies"),
});

export const handler = define.handlers({
  GET: api(
    {
      summary: "Which alert emails the account gets",
      tags: ["notifications"],
      responses: { 200: { description: "Every kind, on or off", schema: Settings } },
    },
    async (ctx, { user }) =>
      ctx.json(await getNotificationSettings(ctx.state.services.db, user.id)),
  ),
  PATCH: api(
    {
      summary: "Turn kinds of alert email on or off",
      tags: ["notifications"],
      body: Settings.partial().strict(),
      responses: {
        200: { description: "Every kind, after the change", schema: Settings },
        422: { description: "An unknown kind, or not a boolean", schema: ErrorOut },
      },
    },
    async (ctx, { user, body }) =>
      ctx.json(await updateNotificationSettings(ctx.state.services.db, user.id, body)),
  ),
});
