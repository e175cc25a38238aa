import { z } from "zod";
import { GoogleLinkCard } from "@/components/GoogleLinkCard.tsx";
import { MailOffNotice } from "@/components/MailOffNotice.tsx";
import { KIND_NAMES } from "@/lib/alerts/messages.ts";
import {
  ALERT_KINDS,
  getNotificationSettings,
  updateNotificationSettings,
} from "@/lib/db/notification_settings.ts";
import { hasGoogleSignIn } from "@/lib/db/users.ts";
import { page } from "@/lib/http/page.ts";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";

const NOTICES = {
  saved: "Alert settings saved.",
  password_changed: "Password changed. Your other sessions are signed out.",
  password_reset: "Password set, and you are signed in. Every other session is signed out.",
} as const;

const AccountQuery = z.object({
  notice: z.enum(Object.keys(NOTICES) as [keyof typeof NOTICES]).optional().catch(undefined),
  /** Back from linking Google sign-in (routes/api/auth/google). */
  google: z.enum(["linked", "cancelled"]).optional().catch(undefined),
});

/** A checkbox is sent only when ticked: every kind not sent is off. */
const SettingsForm = z.object(
  Object.fromEntries(ALERT_KINDS.map((kind) => [kind, z.literal("on").optional()])),
).strict().transform((form) =>
  Object.fromEntries(ALERT_KINDS.map((kind) => [kind, form[kind] === "on"]))
);

/** The account: which alerts to email, and the way to change the password. */
export const handler = define.handlers({
  GET: page({ query: AccountQuery }, async (ctx, { user, query }) => {
    const { services } = ctx.state;
    return {
      data: {
        email: user.email,
        settings: await getNotificationSettings(services.db, user.id),
        googleLinked: await hasGoogleSignIn(services.db, user.id),
        google: query.google,
        notice: query.notice ? NOTICES[query.notice] : null,
        mailOff: services.mailer.mode === "off",
      },
    };
  }),
  POST: page({ form: SettingsForm }, async (ctx, { user, form }) => {
    await updateNotificationSettings(ctx.state.services.db, user.id, form);
    return ctx.redirect("/account?notice=saved");
  }),
});

export default define.page<typeof handler>(function Account({ data }) {
  return (
    <>
      <Head>
        <title>Your account · cal-sync</title>
      </Head>
      <h1>Your account</h1>
      <p>
        Signed in as <strong>{data.email}</strong>.
      </p>
      {data.notice && <p class="notice" role="status">{data.notice}</p>}
      {data.mailOff && <MailOffNotice />}
      <section class="section card" aria-labelledby="alerts-title">
        <h2 id="alerts-title">Email alerts</h2>
        <form method="post" class="form">
          <fieldset>
            <legend>Email {data.email} when…</legend>
            {ALERT_KINDS.map((kind) => (
              <div class="field field--check" key={kind}>
                <input
                  type="checkbox"
                  id={`alert-${kind}`}
                  name={kind}
                  checked={data.settings[kind]}
                />
                <label for={`alert-${kind}`}>{KIND_NAMES[kind]}</label>
              </div>
            ))}
          </fieldset>
          <button type="submit" class="button">Save</button>
        </form>
      </section>
      <GoogleLinkCard linked={data.googleLinked} notice={data.google} />
      <section class="section card" aria-labelledby="password-title">
        <h2 id="password-title">Password</h2>
        <p>
          <a href="/account/password">Change your password</a>
        </p>
      </section>
    </>
  );
});
