/**
 * How the domain's errors answer over HTTP: the one map, for `/api` and pages alike. `lib/`
 * throws what went wrong in its own words; the root middleware turns it into an `HttpError`
 * here, and a page's form shows it again with the same status.
 */
import {
  InvalidCredentialsError,
  TooManyAttemptsError,
  TooManyRegistrationsError,
} from "@/lib/auth/accounts.ts";
import {
  InvalidCurrentPasswordError,
  InvalidResetLinkError,
  TooManyResetRequestsError,
} from "@/lib/auth/password_reset.ts";
import { EmailTakenError } from "@/lib/db/users.ts";
import {
  GoogleUnavailableError,
  NeedsReconnectError,
  NotConnectedError,
} from "@/lib/google/errors.ts";
import {
  CopiesNotRemovedError,
  InvalidSyncConfigError,
  SyncConfigConflictError,
  SyncInProgressError,
} from "@/lib/sync/configs.ts";
import { HttpError, type HttpErrorOptions } from "@/lib/web/http_error.ts";

/** What a sync config id that names none of the caller's answers (404). */
export const NO_SUCH_SYNC = "There is no such sync";

/** The status, message and options an error answers with. */
type Answer = [status: number, message: string, options?: HttpErrorOptions];

// deno-lint-ignore no-explicit-any
type ErrorClass<E extends Error> = new (...args: any[]) => E;
type Rule<E extends Error> = [ErrorClass<E>, (error: E) => Answer];

const rule = <E extends Error>(type: ErrorClass<E>, to: (error: E) => Answer): Rule<E> => [
  type,
  to,
];

const retryAfter = (e: { message: string; retryAfterSeconds: number }): Answer => [
  429,
  e.message,
  { headers: { "Retry-After": String(e.retryAfterSeconds) } },
];

// deno-lint-ignore no-explicit-any
const RULES: Rule<any>[] = [
  rule(InvalidSyncConfigError, (e) => [422, e.message, { fields: e.fields }]),
  rule(
    SyncInProgressError,
    // Retry-After: runs are short, and a client may simply ask again (the dashboard does).
    () => [409, "This sync is already in progress: try again when it ends", {
      headers: { "Retry-After": "1" },
    }],
  ),
  rule(SyncConfigConflictError, (e) => [409, e.message]),
  rule(NotConnectedError, (e) => [409, e.message]),
  rule(NeedsReconnectError, (e) => [409, e.message]),
  // Google failed us, in part or whole: a bad gateway, nothing the caller did wrong.
  rule(CopiesNotRemovedError, (e) => [502, e.message]),
  rule(GoogleUnavailableError, (e) => [502, e.message]),
  rule(InvalidCredentialsError, (e) => [401, e.message, {
    headers: { "WWW-Authenticate": "Bearer" },
  }]),
  rule(TooManyAttemptsError, retryAfter),
  rule(TooManyRegistrationsError, retryAfter),
  rule(TooManyResetRequestsError, retryAfter),
  rule(InvalidCurrentPasswordError, (e) => [422, e.message, {
    fields: { current_password: e.message },
  }]),
  rule(InvalidResetLinkError, (e) => [410, e.message]),
  rule(EmailTakenError, () => [409, "Email already registered", {
    fields: { email: "An account with this email already exists: sign in instead" },
  }]),
];

/** The HttpError a domain error answers with; undefined for anything else (a bug: 500). */
export function httpErrorOf(error: unknown): HttpError | undefined {
  const found = RULES.find(([type]) => error instanceof type);
  if (!found) return undefined;
  const [status, message, options] = found[1](error);
  return new HttpError(status, message, { ...options, cause: error });
}
