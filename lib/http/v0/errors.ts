/**
 * Errors as the seed (FastAPI) answered them: `{"detail": "…"}`, and for invalid input 422 with
 * `detail` a list of `{loc, msg, type}`. The status and words come from the one map of domain
 * errors (lib/http/domain_errors.ts), as under `/api`.
 */
import { z } from "zod";
import { httpErrorOf } from "@/lib/http/domain_errors.ts";
import { errorFields, log } from "@/lib/log.ts";
import { HttpError } from "@/lib/web/http_error.ts";

const ValidationIssue = z.object({
  loc: z.array(z.union([z.string(), z.number()])),
  msg: z.string(),
  type: z.string(),
});

/** What a `/api/v0` error answers: FastAPI's shape. */
export const FastApiErrorOut = z.object({
  detail: z.union([z.string(), z.array(ValidationIssue)])
    .describe("A message, or for 422 one entry per invalid field"),
}).meta({ id: "V0Error" });

/** Where the seed's `loc` starts for each of our validation messages. */
const LOCATIONS: Record<string, string> = {
  "Invalid request body": "body",
  "Invalid query parameters": "query",
  "Invalid path parameters": "path",
};

/** The answer to `error` in FastAPI's shape; anything unknown is logged and answers 500. */
export function fastApiError(error: unknown, info: { requestId: string; path: string }): Response {
  const known = error instanceof HttpError ? error : httpErrorOf(error);
  if (!known) {
    log.error("Request failed", {
      request_id: info.requestId,
      path: info.path,
      ...errorFields(error),
    });
  }
  const status = known?.status ?? 500;
  const detail = known?.fields && status === 422
    ? Object.entries(known.fields).map(([field, msg]) => ({
      loc: [LOCATIONS[known.message] ?? "body", ...field.split(".")],
      msg,
      type: "value_error",
    }))
    : known?.message ?? "Internal Server Error";
  const headers = new Headers(known?.headers);
  headers.set("cache-control", "no-store");
  return Response.json({ detail }, { status, headers });
}

/** The tag of the compatibility API in the OpenAPI document. */
export const V0_TAG = "v0-compatibility";

/** How the OpenAPI document introduces the compatibility API. */
export const V0_TAG_DOCUMENT = {
  name: V0_TAG,
  description: "The compatibility API: the original cal-sync's endpoints under `/api/v0`, with " +
    "its request and response shapes, status codes and FastAPI-style errors " +
    '(`{"detail": …}`), for the original frontend and scripts written for it. Each operation ' +
    "is a thin adapter over the same rules as `/api`; new clients should use `/api`.",
};

/** What every `/api/v0` operation's spec shares: its tag and its error shape. */
export const V0_SPEC = { tags: [V0_TAG], errorSchema: FastApiErrorOut };

/** A documented error answer of a `/api/v0` operation. */
export const v0Error = (description: string) => ({ description, schema: FastApiErrorOut });
