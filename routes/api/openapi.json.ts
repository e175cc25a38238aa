import manifest from "@/fresh.gen.ts";
import { api } from "@/lib/http/api.ts";
import { apiRoutes, buildOpenApi } from "@/lib/http/openapi.ts";
import { define } from "@/lib/web/define.ts";

let document: unknown;

export const handler = define.handlers({
  GET: api({
    summary: "This API's OpenAPI 3.1 document",
    tags: ["meta"],
    auth: false,
    responses: { 200: { description: "The document" } },
  }, (ctx) => {
    document ??= buildOpenApi(apiRoutes(manifest.routes), {
      title: "cal-sync API",
      version: ctx.state.services.config.version,
    });
    return ctx.json(document);
  }),
});
