import { z } from "zod";
import { TextField } from "@/components/TextField.tsx";
import { SignInEmail, typedEmail } from "@/lib/auth/accounts.ts";
import { requestPasswordReset, RESET_LINK_MINUTES } from "@/lib/auth/password_reset.ts";
import { formAgain, page } from "@/lib/http/page.ts";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";

const ResetForm = z.object({ email: SignInEmail });

/** "Forgot your password?": asks for a reset link, and says the same whoever's email it is. */
export const handler = define.handlers({
  GET: page({ auth: false }, () => ({ data: { sent: false } as ResetPageData })),
  POST: page(
    { auth: false, form: ResetForm },
    async (ctx, { form }) => {
      await requestPasswordReset(ctx.state.services, form.email, ctx.remoteAddr ?? "unknown");
      return { data: { sent: true, email: form.email } as ResetPageData };
    },
    (_ctx, failure) =>
      formAgain({
        sent: false,
        email: typedEmail(failure.values),
        error: failure.message,
        fields: failure.fields,
      } as ResetPageData, failure),
  ),
});

interface ResetPageData {
  sent: boolean;
  email?: string;
  error?: string;
  fields?: Record<string, string>;
}

export default define.page<typeof handler>(function PasswordReset({ data }) {
  return (
    <section class="card auth-card">
      <Head>
        <title>Reset your password · cal-sync</title>
      </Head>
      <h1>Reset your password</h1>
      {data.sent
        ? (
          <p role="status">
            If an account has the email{" "}
            {data.email}, a link to choose a new password is on its way. It works once, for{" "}
            {RESET_LINK_MINUTES} minutes.
          </p>
        )
        : (
          <form method="post" class="form" noValidate>
            {data.error && <p class="form__error" role="alert">{data.error}</p>}
            <p>We email you a link to choose a new password.</p>
            <TextField
              name="email"
              label="Email"
              type="email"
              value={data.email}
              autocomplete="username"
              required
              error={data.fields?.email}
            />
            <button type="submit" class="button">Email me a link</button>
          </form>
        )}
      <p class="muted">
        <a href="/login">Back to sign in</a>
      </p>
    </section>
  );
});
