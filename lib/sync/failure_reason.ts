/**
 * What a person is told when an event could not be copied, or a run stopped: Google's own words
 * when Google answered, else ours. Text from a driver, a socket or a bug ("read ECONNRESET",
 * "terminating connection due to administrator command") goes to the log only: it says nothing
 * a person can act on, and may say more about the service than anyone outside should read.
 */
import { googleErrorMessage } from "@/lib/google/errors.ts";
import { errorFields, log } from "@/lib/log.ts";

/** A failure of ours (the database, a bug): the next run tries the event again. */
export const INTERNAL_ERROR_REASON = "Internal error; it will be retried on the next run";
/** Google did not answer at all (network, DNS, a timeout) after the retries. */
export const GOOGLE_UNREACHABLE_REASON =
  "Google could not be reached; it will be retried on the next run";

/** gaxios marks its errors with this symbol (whatever copy of gaxios made them). */
const GAXIOS_ERROR = Symbol.for("gaxios-gaxios-error");

function isGoogleClientError(err: unknown): err is { response?: unknown; message: string } {
  return typeof err === "object" && err !== null && GAXIOS_ERROR in err;
}

/**
 * The reason to store and show for `err`; anything but an answer from Google is logged with
 * `context` and told in our words.
 * @example failures.push({ source_event_id, reason: failureReason(err, { config_id }) });
 */
export function failureReason(err: unknown, context: Record<string, unknown> = {}): string {
  if (isGoogleClientError(err)) {
    if (err.response) return googleErrorMessage(err);
    log.warn("Google could not be reached", { ...context, error: err.message });
    return GOOGLE_UNREACHABLE_REASON;
  }
  log.error("Internal error in a sync run", { ...context, ...errorFields(err) });
  return INTERNAL_ERROR_REASON;
}
