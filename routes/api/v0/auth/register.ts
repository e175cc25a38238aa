import { z } from "zod";
import { Email, NewPassword, registerUser } from "@/lib/auth/accounts.ts";
import { EmailTakenError } from "@/lib/db/users.ts";
import { api } from "@/lib/http/api.ts";
import { V0_SPEC, v0Error } from "@/lib/http/v0/errors.ts";
import { v0User, V0UserOut } from "@/lib/http/v0/shapes.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export const handler = define.handlers({
  POST: api({
    ...V0_SPEC,
    summary: "Create an account (seed-compatible)",
    auth: false,
    body: z.object({ email: Email, password: NewPassword, full_name: z.string().optional() }),
    responses: {
      201: { description: "The new account", schema: V0UserOut },
      400: v0Error("Email already registered"),
      429: v0Error("Too many registrations from this address: wait `Retry-After` seconds"),
    },
  }, async (ctx, { body }) => {
    const address = ctx.remoteAddr ?? "unknown";
    try {
      const user = await registerUser(ctx.state.services, body.email, body.password, address);
      return ctx.json(v0User(user), 201);
    } catch (error) {
      if (error instanceof EmailTakenError) {
        throw new HttpError(400, "Email already registered", { cause: error });
      }
      throw error;
    }
  }),
});
