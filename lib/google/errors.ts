/**
 * The stored Google connection no longer works (refresh token expired or revoked, access
 * refused): it has been marked `needs_reconnect`, and only the user can fix it by connecting
 * again. Never worth retrying; `status` is 401 so generic error mappers see it as an auth error.
 * `account` names it in words ("Google account alice@example.com", "source Google account").
 */
export class NeedsReconnectError extends Error {
  override name = "NeedsReconnectError";
  readonly status = 401;
  constructor(
    readonly account: string,
    readonly reason: string,
    readonly accountId: string | null = null,
  ) {
    super(`Reconnect the ${account}: ${reason}`);
  }
}

/** The user has no such connected Google account (`account` names it in words). */
export class NotConnectedError extends Error {
  override name = "NotConnectedError";
  readonly status = 409;
  constructor(readonly account: string) {
    super(`Connect the ${account} first`);
  }
}

/** Google could not be reached for an account's calendar list, and none is cached. */
export class GoogleUnavailableError extends Error {
  override name = "GoogleUnavailableError";
  constructor(account: string, cause: unknown) {
    super(
      `Google could not be reached for the ${account}'s calendars, and none are ` +
        "cached: try again in a moment",
      { cause },
    );
  }
}

/** Whether Google's OAuth token endpoint refused a grant for good (`invalid_grant`). */
export function isInvalidGrant(err: unknown): boolean {
  // deno-lint-ignore no-explicit-any
  const data = (err as any)?.response?.data;
  if (data && typeof data === "object" && data.error === "invalid_grant") return true;
  return err instanceof Error && /^invalid_grant\b|"error":"invalid_grant"/.test(err.message);
}

// ── Classifying errors of Google calls: the one place that reads their shape ────────────────

/**
 * The HTTP status Google answered with, read off the wire only (`response.status`): undefined
 * when no answer came back. Our own typed errors (NeedsReconnectError's 401) do not count here,
 * so an auth client that sees one does not take it for a fresh 401 to re-authenticate on.
 */
export function httpStatusOf(err: unknown): number | undefined {
  // deno-lint-ignore no-explicit-any
  const status = (err as any)?.response?.status;
  return typeof status === "number" ? status : undefined;
}

/** HTTP status of a Google client error (or of one of our typed errors); undefined for a network error. */
export function googleErrorStatus(err: unknown): number | undefined {
  // deno-lint-ignore no-explicit-any
  const e = err as any;
  const status = e?.response?.status ?? e?.status ?? (typeof e?.code === "number" ? e.code : NaN);
  const n = Number(status);
  return Number.isInteger(n) && n >= 100 ? n : undefined;
}

/** Google's error reason (`errors[0].reason`), or the OAuth `error` code such as invalid_grant. */
export function googleErrorReason(err: unknown): string | undefined {
  // deno-lint-ignore no-explicit-any
  const data = (err as any)?.response?.data;
  if (data && typeof data === "object") {
    if (typeof data.error === "string") return data.error;
    const reason = data.error?.errors?.[0]?.reason;
    if (typeof reason === "string") return reason;
    if (typeof data.error?.status === "string") return data.error.status;
  }
  if (err instanceof Error && /invalid_grant/.test(err.message)) return "invalid_grant";
  return undefined;
}

/** A readable one-line description of a Google error, without tokens or bodies. */
export function googleErrorMessage(err: unknown): string {
  const status = googleErrorStatus(err);
  const reason = googleErrorReason(err);
  // deno-lint-ignore no-explicit-any
  const message = (err as any)?.response?.data?.error?.message ??
    (err instanceof Error ? err.message : String(err));
  return [status, reason, message].filter((p) => p !== undefined && p !== "").join(" ");
}

/** Whether Google answered that the thing is not there (404) or gone for good (410). */
export function isGoneError(err: unknown): boolean {
  const status = googleErrorStatus(err);
  return status === 404 || status === 410;
}

/**
 * Whether a Google account's access is lost: our NeedsReconnectError, a 401, or a refused grant.
 * Only the user can fix it by connecting again.
 */
export function isAuthLost(err: unknown): boolean {
  return err instanceof NeedsReconnectError || errorName(err) === "NeedsReconnectError" ||
    googleErrorStatus(err) === 401 || googleErrorReason(err) === "invalid_grant";
}

/** Whether `err` is an abort (or `signal`, when given, has been aborted). */
export function isAbortError(err: unknown, signal?: AbortSignal): boolean {
  return Boolean(signal?.aborted) || errorName(err) === "AbortError";
}

function errorName(err: unknown): unknown {
  // deno-lint-ignore no-explicit-any
  return (err as any)?.name;
}
