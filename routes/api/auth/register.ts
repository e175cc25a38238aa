import { z } from "zod";
import {
  Email,
  NewPassword,
  registerUser,
  TooManyRegistrationsError,
} from "@/lib/auth/accounts.ts";
import { EmailTakenError } from "@/lib/db/users.ts";
import { api } from "@/lib/http/api.ts";
import { ErrorOut, UserOut, userOut } from "@/lib/http/schemas.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

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
    try {
      const user = await registerUser(
        ctx.state.services,
        body.email,
        body.password,
        ctx.remoteAddr ?? "unknown",
      );
      return ctx.json(userOut(user), 201);
    } catch (error) {
      if (error instanceof TooManyRegistrationsError) {
        throw new HttpError(429, error.message, {
          headers: { "Retry-After": String(error.retryAfterSeconds) },
        });
      }
      if (error instanceof EmailTakenError) {
        throw new HttpError(409, "Email already registered", {
          fields: { email: "An account with this email already exists" },
        });
      }
      throw error;
    }
  }),
});
