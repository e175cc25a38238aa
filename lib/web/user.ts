import type { State } from "./state.ts";

/** The part of the signed-in user that pages show. */
export interface ShownUser {
  email: string;
}

function isShownUser(value: unknown): value is ShownUser {
  return typeof value === "object" && value !== null &&
    typeof (value as { email?: unknown }).email === "string";
}

/** The signed-in user of this request, or `undefined` for an anonymous visitor. */
export function currentUser(state: State): ShownUser | undefined {
  return isShownUser(state.user) ? state.user : undefined;
}
