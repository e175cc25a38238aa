import { z } from "zod";
import { RunHistory } from "@/components/RunHistory.tsx";
import { runLogView, syncView } from "@/components/sync_data.ts";
import { formatWhen, statusText } from "@/components/sync_view.ts";
import { getSyncConfig } from "@/lib/db/sync_configs.ts";
import { listSyncLogsPage } from "@/lib/db/sync_logs.ts";
import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { page } from "@/lib/http/page.ts";
import { ConfigIdParams } from "@/lib/sync/api_schemas.ts";
import { updateSyncConfigForUser } from "@/lib/sync/configs.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";
import { Head } from "@/lib/web/render.tsx";

const ToggleForm = z.object({
  is_active: z.enum(["true", "false"], { message: "expected true or false" })
    .transform((value) => value === "true"),
});

/** One sync and its history: where the dashboard's History link leads without JavaScript. */
export const handler = define.handlers({
  GET: page({ params: ConfigIdParams }, async (ctx, { user, params }) => {
    const { db } = ctx.state.services;
    const config = await getSyncConfig(db, params.id, user.id);
    if (!config) throw new HttpError(404, NO_SUCH_SYNC);
    const history = await listSyncLogsPage(db, config.id, user.id, { limit: 50 });
    return { data: { sync: syncView(config), runs: (history?.logs ?? []).map(runLogView) } };
  }),
  /** The active toggle without JavaScript. */
  POST: page({ params: ConfigIdParams, form: ToggleForm }, async (ctx, { user, params, form }) => {
    const updated = await updateSyncConfigForUser(ctx.state.services, user.id, params.id, {
      is_active: form.is_active,
    });
    if (!updated) throw new HttpError(404, NO_SUCH_SYNC);
    return ctx.redirect(`/?notice=${form.is_active ? "resumed" : "paused"}#syncs`);
  }),
});

export default define.page<typeof handler>(function SyncPage({ data: { sync, runs } }) {
  const name = `${sync.source_calendar_name} → ${sync.dest_calendar_name}`;
  return (
    <>
      <Head>
        <title>{`${name} · cal-sync`}</title>
      </Head>
      <p>
        <a href="/">← Dashboard</a>
      </p>
      <h1>{name}</h1>
      <section class="card">
        <dl class="facts">
          <div>
            <dt>Status</dt>
            <dd>{sync.is_active ? statusText(sync.last_status) : "Paused"}</dd>
          </div>
          <div>
            <dt>Last run</dt>
            <dd>{formatWhen(sync.last_synced_at)}</dd>
          </div>
          <div>
            <dt>Window</dt>
            <dd>{sync.sync_lookahead_days} days ahead</dd>
          </div>
        </dl>
        <div class="sync__actions">
          <form method="post" action={`/syncs/${sync.id}/run`}>
            <button type="submit" class="button">Sync now</button>
          </form>
          <a class="button button--quiet button--danger" href={`/syncs/${sync.id}/delete`}>
            Delete
          </a>
        </div>
      </section>
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <RunHistory runs={runs} />
      </section>
    </>
  );
});
