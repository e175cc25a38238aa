import type { ComponentType } from "preact";
import { HttpError } from "./http_error.ts";
import { renderPage, type ScriptUrls } from "./render.tsx";
import { contentSecurityPolicy } from "./security_headers.ts";
import type { AppProps, PageProps } from "./types.ts";

/** A page rendered inside `_app` as an HTML response. */
export type PageResponder = (
  // deno-lint-ignore no-explicit-any
  page: ComponentType<any> | undefined,
  props: PageProps<unknown>,
  init?: ResponseInit,
) => Promise<Response>;

export interface PageResponderOptions {
  app?: ComponentType<AppProps>;
  /** Where the browser finds the islands; undefined when the app has none. */
  scripts?: ScriptUrls;
  /** A static file's URL with its content hash. */
  asset: (path: string) => string;
}

/**
 * Renders pages to HTML responses. A page whose islands need the boot script gets a fresh nonce
 * and a Content-Security-Policy that allows that one inline script.
 */
export function pageResponder(options: PageResponderOptions): PageResponder {
  const { app, scripts, asset } = options;
  return function respondWithPage(page, props, init = {}) {
    if (!page) throw new HttpError(404, "This route has no page to render");
    const nonce = crypto.randomUUID().replaceAll("-", "");
    const rendered = renderPage({ app, page, props, scripts, nonce, asset });
    const headers = new Headers(init.headers);
    headers.set("Content-Type", "text/html; charset=utf-8");
    if (rendered.hasScript) headers.set("Content-Security-Policy", contentSecurityPolicy(nonce));
    return Promise.resolve(new Response(rendered.html, { ...init, headers }));
  };
}
