import { define } from "@/lib/web/define.ts";
import { assertSignedIn } from "@/lib/web/state.ts";

/** Every page in this group is a signed-in visitor's: others are sent to sign in and come back. */
export const handler = define.middleware(function signedIn(ctx) {
  assertSignedIn(ctx);
  return ctx.next();
});
