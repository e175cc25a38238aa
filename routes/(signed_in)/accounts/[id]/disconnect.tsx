import { z } from "zod";
import { AccountIdParams } from "@/lib/google/api_schemas.ts";
import { syncsUsingAccount } from "@/lib/google/accounts.ts";
import { getGoogleAccount } from "@/lib/db/google_accounts.ts";
import { page } from "@/lib/http/page.ts";
import { disconnectAccountForUser } from "@/lib/sync/configs.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";
import { Head } from "@/lib/web/render.tsx";

const NO_SUCH_ACCOUNT = "There is no such Google account";

const DisconnectForm = z.object({
  remove_synced_events: z.enum(["on"]).optional().transform((v) => v === "on"),
});

/** Disconnecting without JavaScript: a confirmation page naming the syncs it pauses, then the disconnect. */
export const handler = define.handlers({
  GET: page({ params: AccountIdParams }, async (ctx, { user, params }) => {
    const { services } = ctx.state;
    const account = await getGoogleAccount(services.db, params.id, user.id);
    const syncs = await syncsUsingAccount(services, user.id, params.id);
    if (!account || !syncs) throw new HttpError(404, NO_SUCH_ACCOUNT);
    return {
      data: {
        email: account.google_email,
        syncs: syncs.map((c) => `${c.source_calendar_name} → ${c.dest_calendar_name}`),
      },
    };
  }),
  POST: page(
    { params: AccountIdParams, form: DisconnectForm },
    async (ctx, { user, params, form }) => {
      const done = await disconnectAccountForUser(ctx.state.services, user.id, params.id, {
        removeSyncedEvents: form.remove_synced_events,
      });
      if (!done) throw new HttpError(404, NO_SUCH_ACCOUNT);
      return ctx.redirect("/?notice=disconnected");
    },
  ),
});

export default define.page<typeof handler>(function Disconnect({ data }) {
  return (
    <section class="card auth-card" aria-labelledby="disconnect-title">
      <Head>
        <title>{`Disconnect ${data.email} · cal-sync`}</title>
      </Head>
      <h1 id="disconnect-title">Disconnect {data.email}?</h1>
      <form method="post" class="form">
        {data.syncs.length
          ? (
            <>
              <p>These syncs use it and are paused until it is connected again:</p>
              <ul class="paused-list">{data.syncs.map((name) => <li key={name}>{name}</li>)}</ul>
            </>
          )
          : <p>No sync uses this account.</p>}
        <label class="check">
          <input type="checkbox" name="remove_synced_events" />
          <span>First remove the events synced into this account</span>
        </label>
        <div class="form__actions">
          <button type="submit" class="button button--danger-solid">Disconnect</button>
          <a class="button button--quiet" href="/">Cancel</a>
        </div>
      </form>
    </section>
  );
});
