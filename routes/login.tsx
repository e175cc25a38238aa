import { z } from "zod";
import { TextField } from "@/components/TextField.tsx";
import PasswordField from "@/islands/PasswordField.tsx";
import {
  InvalidCredentialsError,
  signIn,
  SignInEmail,
  TooManyAttemptsError,
  typedEmail,
} from "@/lib/auth/accounts.ts";
import { NextQuery, signedInRedirect } from "@/lib/http/session.ts";
import { page } from "@/lib/http/page.ts";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";

interface LoginData {
  email?: string;
  error?: string;
  fields?: Record<string, string>;
}

const LoginForm = z.object({
  email: SignInEmail,
  password: z.string({ message: "Enter your password" }).min(1, "Enter your password"),
});

export const handler = define.handlers({
  GET: page({ auth: false, query: NextQuery }, (ctx, { user }) => {
    if (user) return ctx.redirect("/");
    return ctx.render({} satisfies LoginData);
  }),
  POST: page(
    { auth: false, query: NextQuery, form: LoginForm },
    async (ctx, { query, form: { email, password } }) => {
      try {
        const { token } = await signIn(
          ctx.state.services,
          email,
          password,
          ctx.remoteAddr ?? "unknown",
        );
        return signedInRedirect(token, query.next, ctx.url, ctx.state.services);
      } catch (error) {
        if (error instanceof InvalidCredentialsError) {
          return ctx.render({ email, error: error.message } satisfies LoginData, { status: 401 });
        }
        if (error instanceof TooManyAttemptsError) {
          return ctx.render({ email, error: error.message } satisfies LoginData, {
            status: 429,
            headers: { "retry-after": String(error.retryAfterSeconds) },
          });
        }
        throw error;
      }
    },
    (ctx, { fields, values }) =>
      ctx.render({ email: typedEmail(values), fields } satisfies LoginData, { status: 422 }),
  ),
});

export default define.page<LoginData>(function Login({ data, url }) {
  const next = url.searchParams.get("next");
  return (
    <section class="card auth-card">
      <Head>
        <title>Sign in · cal-sync</title>
      </Head>
      <h1>Sign in</h1>
      <form method="post" class="form" noValidate>
        {data.error && <p class="form__error" role="alert">{data.error}</p>}
        <TextField
          name="email"
          label="Email"
          type="email"
          value={data.email}
          autocomplete="username"
          required
          error={data.fields?.email}
        />
        <PasswordField
          name="password"
          label="Password"
          autocomplete="current-password"
          required
          error={data.fields?.password}
        />
        <button type="submit" class="button">Sign in</button>
      </form>
      <p class="muted">
        New here?{" "}
        <a href={next ? `/register?next=${encodeURIComponent(next)}` : "/register"}>
          Create an account
        </a>
      </p>
    </section>
  );
});
