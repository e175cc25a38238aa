import { z } from "zod";
import { TextField } from "@/components/TextField.tsx";
import PasswordField from "@/islands/PasswordField.tsx";
import { signIn, SignInEmail } from "@/lib/auth/accounts.ts";
import { accountFormData, NextQuery, signedInRedirect } from "@/lib/http/session.ts";
import { formAgain, page } from "@/lib/http/page.ts";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";

const LoginForm = z.object({
  email: SignInEmail,
  password: z.string({ message: "Enter your password" }).min(1, "Enter your password"),
});

export const handler = define.handlers({
  GET: page(
    { auth: false, query: NextQuery },
    (ctx, { user, query }) => user ? ctx.redirect("/") : { data: accountFormData(query.next) },
  ),
  POST: page(
    { auth: false, query: NextQuery, form: LoginForm },
    async (ctx, { query, form: { email, password } }) => {
      const { services } = ctx.state;
      const { token } = await signIn(services, email, password, ctx.remoteAddr ?? "unknown");
      return signedInRedirect(token, query.next, ctx.url, services);
    },
    (_ctx, failure, { query }) => formAgain(accountFormData(query.next, failure), failure),
  ),
});

export default define.page<typeof handler>(function Login({ data }) {
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
        <a href={`/register${data.nextQuery}`}>
          Create an account
        </a>
      </p>
    </section>
  );
});
