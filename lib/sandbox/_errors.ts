/** Google's JSON error bodies, thrown as one exception type and rendered in one place. */

export interface GoogleErrorItem {
  domain: string;
  reason: string;
  message: string;
  locationType?: string;
  location?: string;
}

/** An error answered with Google's `{"error": {code, message, errors: [...]}}` body. */
export class GoogleApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason: string,
    readonly domain = "global",
    readonly extra: Partial<GoogleErrorItem> = {},
    readonly status?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The error as Google's JSON body. */
  body(): Record<string, unknown> {
    const item: GoogleErrorItem = {
      domain: this.domain,
      reason: this.reason,
      message: this.message,
      ...this.extra,
    };
    const error: Record<string, unknown> = {
      code: this.code,
      message: this.message,
      errors: [item],
    };
    if (this.status) error.status = this.status;
    return { error };
  }

  /** The error as an HTTP response. */
  toResponse(): Response {
    return json(this.body(), this.code, this.headers);
  }
}

/** JSON as Google writes it: pretty-printed (its default `prettyPrint=true`) or compact. */
export function encodeJson(body: unknown, pretty = true): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(pretty ? JSON.stringify(body, null, 1) : JSON.stringify(body));
}

/** A JSON response with Google's content type. */
export function json(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(encodeJson(body), {
    status,
    headers: { "content-type": "application/json; charset=UTF-8", ...headers },
  });
}

export const badRequest = (message: string, reason = "invalid", extra = {}) =>
  new GoogleApiError(400, message, reason, "global", extra);

/** A 400 naming the query parameter at fault (Google's `locationType: "parameter"` items). */
export const invalidParameter = (message: string, location: string, reason = "invalid") =>
  badRequest(message, reason, { locationType: "parameter", location });

export const notFound = () => new GoogleApiError(404, "Not Found", "notFound");

export const unauthenticated = () =>
  new GoogleApiError(
    401,
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    "authError",
    "global",
    { message: "Invalid Credentials", locationType: "header", location: "Authorization" },
    "UNAUTHENTICATED",
    { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
  );

export const rateLimited = (code: 403 | 429) =>
  new GoogleApiError(code, "Rate Limit Exceeded", "rateLimitExceeded", "usageLimits");

export const writerRequired = () =>
  new GoogleApiError(
    403,
    "You need to have writer access to this calendar.",
    "requiredAccessLevel",
    "calendar",
  );

export const fullSyncRequired = () =>
  new GoogleApiError(
    410,
    "Sync token is no longer valid, a full sync is required.",
    "fullSyncRequired",
    "calendar",
    { locationType: "parameter", location: "syncToken" },
  );

export const deleted = () => new GoogleApiError(410, "Resource has been deleted", "deleted");

export const duplicate = () =>
  new GoogleApiError(409, "The requested identifier already exists.", "duplicate");

export const timeRangeEmpty = () =>
  new GoogleApiError(400, "The specified time range is empty.", "timeRangeEmpty", "calendar", {
    locationType: "parameter",
    location: "timeMax",
  });

/** An OAuth endpoint error: `{"error": "...", "error_description": "..."}`. */
export class OAuthError extends Error {
  constructor(readonly status: number, readonly error: string, readonly description: string) {
    super(description);
  }

  toResponse(): Response {
    return json({ error: this.error, error_description: this.description }, this.status);
  }
}
