import type { ComponentType } from "preact";
import { HttpError } from "./http_error.ts";
import type { PageResponder } from "./page_response.ts";
import type { Ctx, ErrorPageData } from "./types.ts";

/** Where an error happened, for the log. */
export interface ErrorInfo {
  requestId: string;
  method: string;
  path: string;
}

/** Reports an error that is not an `HttpError`: a bug or an outage, never the visitor's doing. */
export type ErrorReporter = (error: unknown, info: ErrorInfo) => void;

export interface ErrorHandlingOptions {
  /** Paths that answer errors as JSON. */
  isApi: (path: string) => boolean;
  /** The path anonymous visitors are sent to when a page throws a 401. */
  loginPath: string;
  report: ErrorReporter;
  render: PageResponder;
  // deno-lint-ignore no-explicit-any
  pages: { notFound?: ComponentType<any>; error?: ComponentType<any> };
}

/**
 * The answer to an error that no handler or middleware turned into a response: the JSON error
 * under the API prefix; for pages a redirect to sign in (401) or the error page.
 */
export function errorResponder(options: ErrorHandlingOptions) {
  return async function respondWithError(error: unknown, ctx: Ctx): Promise<Response> {
    const { requestId } = ctx.state;
    if (!(error instanceof HttpError)) {
      options.report(error, { requestId, method: ctx.req.method, path: ctx.url.pathname });
    }
    if (options.isApi(ctx.url.pathname)) return jsonError(error, requestId);
    const status = error instanceof HttpError ? error.status : 500;
    if (status === 401 && ctx.url.pathname !== options.loginPath) {
      const next = encodeURIComponent(ctx.url.pathname + ctx.url.search);
      return ctx.redirect(`${options.loginPath}?next=${next}`);
    }
    const response = await errorPage(error, status, ctx, options);
    if (error instanceof HttpError) {
      for (const [name, value] of error.headers) response.headers.set(name, value);
    }
    return response;
  };
}

/**
 * `{"error": {"code", "message", "fields"?, "request_id"?}}`, the one JSON shape of an error:
 * an `HttpError` says its own status and message; anything else is a 500 that says no more.
 */
export function jsonError(error: unknown, requestId: string): Response {
  const known = error instanceof HttpError ? error : undefined;
  const status = known?.status ?? 500;
  const body = {
    error: {
      code: status,
      message: known?.message ?? "Internal server error",
      ...(known?.fields ? { fields: known.fields } : {}),
      ...(status >= 500 ? { request_id: requestId } : {}),
    },
  };
  const headers = new Headers(known?.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(body), { status, headers });
}

/** `_404` or `_500` with the error's status; plain text when the error page itself fails. */
async function errorPage(
  error: unknown,
  status: number,
  ctx: Ctx,
  options: ErrorHandlingOptions,
): Promise<Response> {
  const data: ErrorPageData = {
    status,
    message: error instanceof HttpError ? error.message : "Something went wrong",
    requestId: ctx.state.requestId,
  };
  const page = status === 404 ? options.pages.notFound : options.pages.error;
  const props = { data, url: ctx.url, params: {}, state: ctx.state };
  try {
    return await options.render(page, props, { status });
  } catch (renderError) {
    const info = { requestId: data.requestId, method: "render", path: ctx.url.pathname };
    options.report(renderError, info);
    return new Response(`${data.message} (request ${data.requestId})\n`, {
      status,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
}
