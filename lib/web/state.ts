import type { TokenClaims } from "@/lib/auth/jwt.ts";
import type { User } from "@/lib/db/users.ts";
import type { Services } from "@/lib/services.ts";

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
