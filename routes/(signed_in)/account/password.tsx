import { z } from "zod";
import { NewPasswordField } from "@/components/NewPasswordField.tsx";
import PasswordField from "@/islands/PasswordField.tsx";
import { NewPassword } from "@/lib/auth/accounts.ts";
import { changePassword } from "@/lib/auth/password_reset.ts";
import { formAgain, page } from "@/lib/http/page.ts";
import { signedInRedirect } from "@/lib/http/session.ts";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";

const ChangeForm = z.object({
  current_password: z.string({ message: "Enter your current password" })
    .min(1, "Enter your current password").max(1024),
  new_password: NewPassword,
});

interface ChangeData {
  error?: string;
  fields?: Record<string, string>;
}

/** Changing the password; every other session is signed out, this one goes on. */
export const handler = define.handlers({
  GET: page({}, () => ({ data: {} as ChangeData })),
  POST: page(
    { form: ChangeForm },
    async (ctx, { user, form }) => {
      const { services } = ctx.state;
      const { token } = await changePassword(
        services,
        user.id,
        form.current_password,
        form.new_password,
        ctx.remoteAddr ?? "unknown",
      );
      return signedInRedirect(token, "/account?notice=password_changed", ctx.url, services);
    },
    (_ctx, failure) =>
      formAgain({ error: failure.message, fields: failure.fields } as ChangeData, failure),
  ),
});

export default define.page<typeof handler>(function ChangePassword({ data }) {
  return (
    <section class="card auth-card">
      <Head>
        <title>Change password · cal-sync</title>
      </Head>
      <h1>Change password</h1>
      <form method="post" class="form" noValidate>
        {data.error && <p class="form__error" role="alert">{data.error}</p>}
        <PasswordField
          name="current_password"
          label="Current password"
          autocomplete="current-password"
          required
          error={data.fields?.current_password}
        />
        <NewPasswordField
          name="new_password"
          label="New password"
          consequence="Your other sessions are signed out."
          error={data.fields?.new_password}
        />
        <button type="submit" class="button">Change password</button>
      </form>
      <p class="muted">
        <a href="/account">Back to account</a>
      </p>
    </section>
  );
});
