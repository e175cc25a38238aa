import { z } from "zod";
import { TextField } from "@/components/TextField.tsx";
import PasswordField from "@/islands/PasswordField.tsx";
import { Email, NewPassword, registerUser } from "@/lib/auth/accounts.ts";
import { issueToken } from "@/lib/auth/jwt.ts";
import { accountFormData, NextQuery, signedInRedirect } from "@/lib/http/session.ts";
import { formAgain, page } from "@/lib/http/page.ts";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";

const RegisterForm = z.object({ email: Email, password: NewPassword });

export const handler = define.handlers({
  GET: page(
    { auth: false, query: NextQuery },
    (ctx, { user, query }) => user ? ctx.redirect("/") : { data: accountFormData(query.next) },
  ),
  POST: page(
    { auth: false, query: NextQuery, form: RegisterForm },
    async (ctx, { query, form: { email, password } }) => {
      const { services } = ctx.state;
      const user = await registerUser(services, email, password, ctx.remoteAddr ?? "unknown");
      const token = await issueToken(user.id, services.config.jwtSecret);
      return signedInRedirect(token, query.next, ctx.url, services);
    },
    (_ctx, failure, { query }) => formAgain(accountFormData(query.next, failure), failure),
  ),
});

export default define.page<typeof handler>(function Register({ data }) {
  return (
    <section class="card auth-card">
      <Head>
        <title>Create account · cal-sync</title>
      </Head>
      <h1>Create your account</h1>
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
          autocomplete="new-password"
          required
          minLength={8}
          hint="At least 8 characters."
          error={data.fields?.password}
        />
        <button type="submit" class="button">Create account</button>
      </form>
      <p class="muted">
        Already have an account? <a href={`/login${data.nextQuery}`}>Sign in</a>
      </p>
    </section>
  );
});
