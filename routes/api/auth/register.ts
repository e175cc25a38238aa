import { z } from "zod";
import { Email, NewPassword, registerUser } from "@/lib/auth/accounts.ts";
import { api } from "@/lib/http/api.ts";
import { ErrorOut, UserOut, userOut } from "@/lib/http/schemas.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Create an account",
    tags: ["auth"],
    auth: false,
    body: z.object({ email: Email, password: NewPassword }),
    responses: {
      201: { description: "The new account", schema: UserOut },
      409: { description: "Email already registered", schema: ErrorOut },
      422: { description: "Invalid email or password", schema: ErrorOut },
      429: {
        description: "Too many registrations from this address: wait `Retry-After` seconds",
        schema: ErrorOut,
      },
    },
  }, async (ctx, { body }) => {
    const { services } = ctx.state;
    const user = await registerUser(
      services,
      body.email,
      body.password,
      ctx.remoteAddr ?? "unknown",
    );
    return ctx.json(userOut(user), 201);
  }),
});
