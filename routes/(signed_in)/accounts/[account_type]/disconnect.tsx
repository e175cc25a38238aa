import { disconnect } from "@/lib/google/connections.ts";
import { getOAuthToken } from "@/lib/db/oauth_tokens.ts";
import { AccountTypeParams } from "@/lib/google/api_schemas.ts";
import { page } from "@/lib/http/page.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";
import { Head } from "@/lib/web/render.tsx";

/** Disconnecting without JavaScript: a confirmation page, then the disconnect. */
export const handler = define.handlers({
  GET: page({ params: AccountTypeParams }, async (ctx, { user, params }) => {
    const { account_type } = params;
    const connection = await getOAuthToken(ctx.state.services.db, user.id, account_type);
    if (!connection) throw new HttpError(404, `No ${account_type} account is connected`);
    return { data: { accountType: account_type, email: connection.google_email } };
  }),
  POST: page({ params: AccountTypeParams }, async (ctx, { user, params }) => {
    const { account_type } = params;
    const done = await disconnect(ctx.state.services, user.id, account_type);
    if (!done) throw new HttpError(404, `No ${account_type} account is connected`);
    return ctx.redirect(`/?notice=disconnected_${account_type}`);
  }),
});

export default define.page<typeof handler>(function Disconnect({ data }) {
  return (
    <section class="card auth-card" aria-labelledby="disconnect-title">
      <Head>
        <title>{`Disconnect ${data.email} · cal-sync`}</title>
      </Head>
      <h1 id="disconnect-title">Disconnect {data.email}?</h1>
      <form method="post" class="form">
        <p>
          Syncs that use the {data.accountType}{" "}
          account are paused until it is connected again. Events already copied stay where they are.
        </p>
        <div class="form__actions">
          <button type="submit" class="button button--danger-solid">Disconnect</button>
          <a class="button button--quiet" href="/">Cancel</a>
        </div>
      </form>
    </section>
  );
});
