/** Options carried by an {@linkcode HttpError} besides its status and message. */
export interface HttpErrorOptions {
  /** Per-field messages for invalid input, keyed by field name. */
  fields?: Record<string, string>;
  /** Headers the error response should carry, e.g. `Allow` or `Retry-After`. */
  headers?: HeadersInit;
  cause?: unknown;
}

/** The one error type routes throw to answer with a given HTTP status. */
export class HttpError extends Error {
  readonly status: number;
  readonly fields?: Record<string, string>;
  readonly headers: Headers;

  constructor(status: number, message?: string, options: HttpErrorOptions = {}) {
    super(message ?? defaultMessage(status), { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.fields = options.fields;
    this.headers = new Headers(options.headers);
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad request",
  401: "Sign in required",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  409: "Conflict",
  413: "Request too large",
  422: "Invalid input",
  429: "Too many requests",
  500: "Internal server error",
  503: "Service unavailable",
};

function defaultMessage(status: number): string {
  return STATUS_TEXT[status] ?? (status >= 500 ? "Server error" : "Request failed");
}
