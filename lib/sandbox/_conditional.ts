/**
 * Conditional requests on events ("Version resources" guide): `If-Match` on a write answers 412
 * when the event changed since the client read it; `If-None-Match` on a read answers 304 when it
 * did not.
 */
import { GoogleApiError } from "./_errors.ts";

/** Google's 412 for a stale `If-Match`. */
export const preconditionFailed = () =>
  new GoogleApiError(412, "Precondition Failed", "conditionNotMet", "global", {
    locationType: "header",
    location: "If-Match",
  });

/** The etag without quotes or a weak prefix, so `"123"`, `W/"123"` and `123` compare equal. */
function bare(etag: string): string {
  return etag.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

/** True when an `If-Match` / `If-None-Match` value (a list, or `*`) names the etag. */
function names(header: string, etag: string): boolean {
  const want = bare(etag);
  return header.split(",").some((t) => t.trim() === "*" || bare(t) === want);
}

/** Throws 412 unless the request's `If-Match` (when present) names the event's current etag. */
export function checkIfMatch(req: Request, currentEtag: () => string | undefined): void {
  const header = req.headers.get("if-match");
  if (header === null) return;
  const etag = currentEtag();
  if (etag === undefined || !names(header, etag)) throw preconditionFailed();
}

/** True when the request's `If-None-Match` names the etag: answer 304 with no body. */
export function notModified(req: Request, etag: string | undefined): boolean {
  const header = req.headers.get("if-none-match");
  return header !== null && etag !== undefined && names(header, etag);
}
