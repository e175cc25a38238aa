import { z } from "zod";
import { pingDb } from "@/lib/db/ping.ts";
import { api } from "@/lib/http/api.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  GET: api({
    summary: "Liveness and database check",
    tags: ["meta"],
    auth: false,
    responses: {
      200: {
        description: "The service and its database answer",
        schema: z.object({
          status: z.literal("ok"),
          database: z.enum(["postgres", "pglite"]),
          version: z.string(),
        }),
      },
    },
  }, async (ctx) => {
    const { db, config } = ctx.state.services;
    await pingDb(db);
    return ctx.json({ status: "ok", database: db.kind, version: config.version });
  }),
});
