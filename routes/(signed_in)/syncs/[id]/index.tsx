import { z } from "zod";
import { RunHistory } from "@/components/RunHistory.tsx";
import { runLogView, syncView } from "@/components/sync_data.ts";
import { formatWhen, statusText } from "@/components/sync_view.ts";
import { getSyncConfig } from "@/lib/db/sync_configs.ts";
import { listSyncLogsPage } from "@/lib/db/sync_logs.ts";
import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { page } from "@/lib/http/page.ts";
import { ConfigIdParams } from "@/lib/sync/api_schemas.ts";
import { explainSyncEvents, updateSyncConfigForUser } from "@/lib/sync/configs.ts";
import type { Explained } from "@/lib/sync/explain.ts";
import { approvedMessage, heldMessage } from "@/lib/sync/review_words.ts";
import { SyncOptionsFields } from "@/components/SyncOptionsFields.tsx";
import { EventSearch } from "@/components/EventSearch.tsx";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";
import { Head } from "@/lib/web/render.tsx";

const ToggleForm = z.object({
  is_active: z.enum(["true", "false"], { message: "expected true or false" })
    .transform((value) => value === "true"),
});

const PageQuery = z.object({
  q: z.string().max(200).optional().catch(undefined),
  notice: z.enum(["saved"]).optional().catch(undefined),
});

/**
 * One sync: its options (a form that works without JavaScript), "why is my event there?" (a
 * search over the source), and its history.
 */
export const handler = define.handlers({
  GET: page({ params: ConfigIdParams, query: PageQuery }, async (ctx, { user, params, query }) => {
    const { db } = ctx.state.services;
    const config = await getSyncConfig(db, params.id, user.id);
    if (!config) throw new HttpError(404, NO_SUCH_SYNC);
    const history = await listSyncLogsPage(db, config.id, user.id, { limit: 50 });
    const search = query.q === undefined
      ? null
      : await searchEvents(ctx, user.id, params.id, query.q);
    return {
      data: {
        sync: syncView(config),
        runs: (history?.logs ?? []).map(runLogView),
        q: query.q ?? "",
        search,
        saved: query.notice === "saved",
      },
    };
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

/** The search's results, or why there are none (an account to reconnect). */
async function searchEvents(
  ctx: { state: { services: Parameters<typeof explainSyncEvents>[0] } },
  userId: string,
  id: string,
  q: string,
): Promise<{ events: Explained[] } | { error: string }> {
  try {
    return { events: (await explainSyncEvents(ctx.state.services, userId, id, q, 50)) ?? [] };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export default define.page<typeof handler>(function SyncPage({ data }) {
  const { sync, runs } = data;
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
      {sync.last_status === "needs_review" && sync.held_deletions > 0 && (
        <section
          class="card warning review"
          role={sync.deletions_approved ? "status" : "alert"}
        >
          {sync.deletions_approved
            ? (
              <p>
                <strong>{approvedMessage(sync.held_deletions)}</strong> from{" "}
                {sync.dest_calendar_name}.
              </p>
            )
            : (
              <p>
                <strong>{heldMessage(sync.held_deletions)}</strong> from{" "}
                {sync.dest_calendar_name}. Nothing was removed yet.
              </p>
            )}
          <form method="post" action={`/syncs/${sync.id}/review`}>
            {!sync.deletions_approved && (
              <button
                type="submit"
                name="action"
                value="apply"
                class="button button--danger-solid"
              >
                Remove them
              </button>
            )}{" "}
            <button type="submit" name="action" value="pause" class="button button--quiet">
              Keep them and pause
            </button>
          </form>
        </section>
      )}
      <section class="card" aria-labelledby="search-title">
        <h2 id="search-title">Why is (or isn't) my event there?</h2>
        <EventSearch syncId={sync.id} q={data.q} search={data.search} />
      </section>
      <section class="card" id="options" aria-labelledby="options-title">
        <h2 id="options-title">Options</h2>
        {data.saved && <p class="notice" role="status">Saved. The next run applies them.</p>}
        <form class="form" method="post" action={`/syncs/${sync.id}/options`}>
          <SyncOptionsFields idPrefix="page" options={sync} />
          <div class="form__actions">
            <button type="submit" class="button">Save options</button>
          </div>
        </form>
      </section>
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <RunHistory runs={runs} />
      </section>
    </>
  );
});
