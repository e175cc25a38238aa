import type { WebAppOptions } from "@/lib/web/app.ts";

/** The web layer's own settings; `main.ts` adds the per-request state and the data folder. */
export default {
  apiPrefix: "/api",
  staticDir: "static",
  loginPath: "/login",
} satisfies Partial<WebAppOptions>;
