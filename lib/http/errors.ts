import { errorFields, log } from "@/lib/log.ts";
import { HttpError } from "@/lib/web/http_error.ts";

/** `{error: {code, message, fields?}}` for any thrown value; unexpected ones are logged as 500s. */
export function jsonErrorResponse(error: unknown, requestId: string): Response {
  const known = error instanceof HttpError ? error : undefined;
  if (!known) {
    log.error("Unhandled error", { requestId, ...errorFields(error) });
  }
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
  headers.set("content-type", "application/json; charset=utf-8");
  headers.set("cache-control", "no-store");
  return new Response(JSON.stringify(body), { status, headers });
}
