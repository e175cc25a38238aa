import { z } from "zod";
import { syncView } from "@/components/sync_data.ts";
import { getSyncConfig } from "@/lib/db/sync_configs.ts";
import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { page } from "@/lib/http/page.ts";
import { ConfigIdParams } from "@/lib/sync/api_schemas.ts";
import { deleteSyncConfigForUser } from "@/lib/sync/configs.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";
import { Head } from "@/lib/web/render.tsx";

const DeleteForm = z.object({
  remove_synced_events: z.enum(["true", "false"], { message: "expected true or false" })
    .optional()
    .transform((value) => value === "true"),
});

/** Deleting a sync without JavaScript: a confirmation page, then the delete. */
export const handler = define.handlers({
  GET: page({ params: ConfigIdParams }, async (ctx, { user, params }) => {
    const config = await getSyncConfig(ctx.state.services.db, params.id, user.id);
    if (!config) throw new HttpError(404, NO_SUCH_SYNC);
    return { data: syncView(config) };
  }),
  POST: page({ params: ConfigIdParams, form: DeleteForm }, async (ctx, { user, params, form }) => {
    const removeSyncedEvents = form.remove_synced_events;
    const outcome = await deleteSyncConfigForUser(ctx.state.services, user.id, params.id, {
      removeSyncedEvents,
    });
    if (!outcome) throw new HttpError(404, NO_SUCH_SYNC);
    return ctx.redirect(`/?notice=${removeSyncedEvents ? "deleted_events" : "deleted"}#syncs`);
  }),
});

export default define.page<typeof handler>(function DeleteSync({ data: sync }) {
  const name = `${sync.source_calendar_name} → ${sync.dest_calendar_name}`;
  return (
    <section class="card auth-card" aria-labelledby="delete-title">
      <Head>
        <title>{`Delete ${name} · cal-sync`}</title>
      </Head>
      <h1 id="delete-title">Delete the sync {name}?</h1>
      <form method="post" class="form">
        <p>
          No more events will be copied from {sync.source_calendar_name} to{" "}
          {sync.dest_calendar_name}.
        </p>
        <label class="check">
          <input type="checkbox" name="remove_synced_events" value="true" />
          <span>Also remove synced events from the destination</span>
        </label>
        <div class="form__actions">
          <button type="submit" class="button button--danger-solid">Delete sync</button>
          <a class="button button--quiet" href="/">Cancel</a>
        </div>
      </form>
    </section>
  );
});
