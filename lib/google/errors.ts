import type { AccountType } from "@/lib/db/oauth_tokens.ts";

/**
 * The stored Google connection no longer works (refresh token expired or revoked, access
 * refused): it has been marked `needs_reconnect`, and only the user can fix it by connecting
 * again. Never worth retrying; `status` is 401 so generic error mappers see it as an auth error.
 */
export class NeedsReconnectError extends Error {
  override name = "NeedsReconnectError";
  readonly status = 401;
  constructor(readonly accountType: AccountType, readonly reason: string) {
    super(`Reconnect the ${accountType} Google account: ${reason}`);
  }
}

/** The user has not connected a Google account of this type. */
export class NotConnectedError extends Error {
  override name = "NotConnectedError";
  readonly status = 409;
  constructor(readonly accountType: AccountType) {
    super(`Connect the ${accountType} Google account first`);
  }
}

/** Google could not be reached for an account's calendar list, and none is cached. */
export class GoogleUnavailableError extends Error {
  override name = "GoogleUnavailableError";
  constructor(accountType: AccountType, cause: unknown) {
    super(
      `Google could not be reached for the ${accountType} account's calendars, and none are ` +
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

/** HTTP status of a gaxios error, or undefined when no answer came back. */
export function httpStatusOf(err: unknown): number | undefined {
  // deno-lint-ignore no-explicit-any
  const status = (err as any)?.response?.status;
  return typeof status === "number" ? status : undefined;
}
