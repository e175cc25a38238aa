import { z } from "zod";
import { disconnect } from "@/lib/google/connections.ts";
import { getOAuthToken } from "@/lib/db/oauth_tokens.ts";
import { requireUser } from "@/lib/http/auth.ts";
import { parseParams } from "@/lib/http/validate.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";
import { Head } from "@/lib/web/render.tsx";

const Params = z.object({ account_type: z.enum(["source", "destination"]) });

interface DisconnectData {
  accountType: "source" | "destination";
  email: string;
}

/** Disconnecting without JavaScript: a confirmation page, then the disconnect. */
export const handler = define.handlers({
  async GET(ctx) {
    const user = requireUser(ctx);
    const { account_type } = parseParams(ctx, Params);
    const connection = await getOAuthToken(ctx.state.services.db, user.id, account_type);
    if (!connection) throw new HttpError(404, `No ${account_type} account is connected`);
    return ctx.render({ accountType: account_type, email: connection.google_email });
  },
  async POST(ctx) {
    const user = requireUser(ctx);
    const { account_type } = parseParams(ctx, Params);
    const done = await disconnect(ctx.state.services, user.id, account_type);
    if (!done) throw new HttpError(404, `No ${account_type} account is connected`);
    return ctx.redirect(`/?notice=disconnected_${account_type}`);
  },
});

export default define.page<DisconnectData>(function Disconnect({ data }) {
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
