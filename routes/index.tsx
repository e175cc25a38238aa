import OAuthStatus from "@/islands/OAuthStatus.tsx";
import { type OAuthStatusProps, oauthStatusProps } from "@/lib/google/dashboard.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";
import { Head } from "@/lib/web/render.tsx";
import { currentUser } from "@/lib/web/user.ts";

export const handler = define.handlers({
  async GET(ctx) {
    const user = ctx.state.user;
    if (!user) throw new HttpError(401, "Sign in to see your dashboard");
    const oauth = await oauthStatusProps(ctx.state.services, user.id, ctx.url.searchParams);
    return ctx.render({ oauth });
  },
});

export default define.page<{ oauth: OAuthStatusProps }>(function Dashboard({ data, state }) {
  const user = currentUser(state);
  return (
    <>
      <Head>
        <title>Dashboard · cal-sync</title>
      </Head>
      <h1>Dashboard</h1>
      <section class="card">
        <h2>Your calendars</h2>
        <p>
          Signed in as{" "}
          <strong>{user?.email}</strong>. Connect the Google account to copy from and the one to
          copy into.
        </p>
      </section>
      <OAuthStatus {...data.oauth} />
    </>
  );
});
