import type { TokenClaims } from "@/lib/auth/jwt.ts";
import type { User } from "@/lib/db/users.ts";
import type { Services } from "@/lib/services.ts";
import { HttpError } from "./http_error.ts";

/** Per-request state shared by middleware, handlers and pages; the app extends it here. */
export interface State {
  requestId: string;
  /** The process's services, set when the app is created. */
  services: Services;
  /** The signed-in user, set by `routes/_middleware.ts` from a bearer token or the session cookie. */
  user?: User;
  /** The claims of the token that signed the user in, so that sign-out can revoke it. */
  session?: TokenClaims;
  [key: string]: unknown;
}

/** The state of a request whose visitor is signed in, as `assertSignedIn` leaves it. */
export interface SignedInState extends State {
  user: User;
}

/**
 * Narrows `ctx` to a signed-in visitor's, or throws a 401: a page sends the visitor to sign in
 * and come back, the API answers JSON with `WWW-Authenticate`.
 * @example
 * export const handler = define.middleware((ctx) => { assertSignedIn(ctx); return ctx.next(); });
 */
export function assertSignedIn<C extends { state: State }>(
  ctx: C,
): asserts ctx is C & { state: SignedInState } {
  if (!ctx.state.user) {
    throw new HttpError(401, "Not authenticated", { headers: { "WWW-Authenticate": "Bearer" } });
  }
}
