import { z } from "zod";
import { NewPasswordField } from "@/components/NewPasswordField.tsx";
import { NewPassword } from "@/lib/auth/accounts.ts";
import { confirmPasswordReset } from "@/lib/auth/password_reset.ts";
import { formAgain, page } from "@/lib/http/page.ts";
import { signedInRedirect } from "@/lib/http/session.ts";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";

const Token = z.string().min(1).max(200);
const TokenQuery = z.object({ token: Token.optional().catch(undefined) });
const ConfirmForm = z.object({ token: Token, password: NewPassword });

/** A reset link's page: a new password, then signed in (and every other session signed out). */
export const handler = define.handlers({
  GET: page({ auth: false, query: TokenQuery }, (_ctx, { query }) => ({
    data: { token: query.token ?? "" } as ConfirmData,
  })),
  POST: page(
    { auth: false, form: ConfirmForm },
    async (ctx, { form }) => {
      const { services } = ctx.state;
      const { token } = await confirmPasswordReset(services, form.token, form.password);
      return signedInRedirect(token, "/account?notice=password_reset", ctx.url, services);
    },
    (_ctx, failure) =>
      formAgain({
        token: failure.values.token ?? "",
        error: failure.message,
        fields: failure.fields,
      } as ConfirmData, failure),
  ),
});

interface ConfirmData {
  token: string;
  error?: string;
  fields?: Record<string, string>;
}

export default define.page<typeof handler>(function PasswordResetConfirm({ data }) {
  return (
    <section class="card auth-card">
      <Head>
        <title>Choose a new password · cal-sync</title>
      </Head>
      <h1>Choose a new password</h1>
      {data.token
        ? (
          <form method="post" action="/password-reset/confirm" class="form" noValidate>
            {data.error && <p class="form__error" role="alert">{data.error}</p>}
            <input type="hidden" name="token" value={data.token} />
            <NewPasswordField
              name="password"
              label="New password"
              consequence="Every other session of your account is signed out."
              error={data.fields?.password}
            />
            <button type="submit" class="button">Set password</button>
          </form>
        )
        : <p role="alert">This link is incomplete: open the one in the email again.</p>}
      <p class="muted">
        <a href="/password-reset">Ask for a new link</a>
      </p>
    </section>
  );
});
