export { createWebApp, type WebAppOptions } from "./app.ts";
export { bundleIslands, computeBuildId, type IslandBundle } from "./bundle.ts";
export { define } from "./define.ts";
export { HttpError, type HttpErrorOptions } from "./http_error.ts";
export { generateManifest, writeManifest } from "./manifest.ts";
export { asset, Head } from "./render.tsx";
export { contentSecurityPolicy, securityHeaders } from "./security_headers.ts";
export { jsonError } from "./error_handling.ts";
export { assertSignedIn, type SignedInState, type State } from "./state.ts";
export type {
  AppProps,
  Ctx,
  ErrorPageData,
  HandlerData,
  HandlerFn,
  Handlers,
  Manifest,
  Method,
  Middleware,
  MiddlewareFn,
  PageData,
  PageProps,
  PageResponse,
} from "./types.ts";
export { currentUser, type ShownUser } from "./user.ts";
