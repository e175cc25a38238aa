import type { CalendarOption, RunResultView, SyncView } from "@/components/sync_view.ts";
import OAuthStatus from "@/islands/OAuthStatus.tsx";
import SyncConfigForm, { type SyncConfigFormProps } from "@/islands/SyncConfigForm.tsx";
import SyncList from "@/islands/SyncList.tsx";
import type { AccountType } from "@/lib/db/oauth_tokens.ts";
import { getSyncLog, type SyncLogRow } from "@/lib/db/sync_logs.ts";
import { listSyncConfigsByUser, type SyncConfigRow } from "@/lib/db/sync_configs.ts";
import { listCalendarsForAccount } from "@/lib/google/calendar_list.ts";
import { type OAuthStatusProps, oauthStatusProps } from "@/lib/google/dashboard.ts";
import type { Services } from "@/lib/services.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";
import { Head } from "@/lib/web/render.tsx";
import type { Ctx } from "@/lib/web/types.ts";

interface DashboardData {
  oauth: OAuthStatusProps;
  form: SyncConfigFormProps;
  syncs: SyncView[];
  canRun: boolean;
  notice: string | null;
  ran: { id: string; result: RunResultView } | null;
}

const NOTICES: Record<string, string> = {
  created: "Sync created.",
  deleted: "Sync deleted. Copies already made stay in the destination.",
  deleted_events: "Sync deleted, and its copies were removed from the destination.",
  paused: "Sync paused: it will not run until you make it active again.",
  resumed: "Sync active again.",
};

export const handler = define.handlers({
  async GET(ctx) {
    return ctx.render(await dashboardData(ctx));
  },
});

/** Everything the dashboard shows; `form` overrides what the new-sync form received back. */
export async function dashboardData(
  ctx: Ctx,
  form: Partial<SyncConfigFormProps> = {},
): Promise<DashboardData> {
  const user = ctx.state.user;
  if (!user) throw new HttpError(401, "Sign in to see your dashboard");
  const { services } = ctx.state;
  const query = ctx.url.searchParams;
  const oauth = await oauthStatusProps(services, user.id, query);
  const { source, destination } = oauth.connections;
  const [sourceList, destList, configs] = await Promise.all([
    source.connected ? calendarsOf(services, user.id, "source") : empty(),
    destination.connected ? calendarsOf(services, user.id, "destination") : empty(),
    listSyncConfigsByUser(services.db, user.id),
  ]);
  const ranId = query.get("ran");
  const log = ranId && query.get("log") ? await getSyncLog(services.db, query.get("log")!) : null;
  return {
    oauth,
    form: {
      sourceConnected: source.connected,
      destConnected: destination.connected,
      sourceCalendars: sourceList.calendars,
      destCalendars: destList.calendars,
      calendarsError: sourceList.error ?? destList.error,
      defaultDays: services.config.syncLookaheadDays ?? 90,
      ...form,
    },
    syncs: configs.map(syncView),
    canRun: source.status === "ok" && destination.status === "ok",
    notice: NOTICES[query.get("notice") ?? ""] ?? null,
    ran: log && log.user_id === user.id && log.config_id === ranId
      ? { id: ranId, result: runResultView(log) }
      : null,
  };
}

export function syncView(row: SyncConfigRow): SyncView {
  const iso = (d: Date | null) => d && new Date(d).toISOString();
  return {
    id: row.id,
    source_calendar_id: row.source_calendar_id,
    source_calendar_name: row.source_calendar_name || row.source_calendar_id,
    dest_calendar_id: row.dest_calendar_id,
    dest_calendar_name: row.dest_calendar_name || row.dest_calendar_id,
    sync_lookahead_days: row.sync_lookahead_days,
    is_active: row.is_active,
    paused_reason: row.paused_reason,
    last_synced_at: iso(row.last_synced_at),
    last_status: row.last_status,
    last_error: row.last_error,
    next_run_at: iso(row.next_run_at),
  };
}

export function runResultView(log: SyncLogRow): RunResultView {
  return {
    sync_log_id: log.id,
    status: log.status,
    events_created: log.events_created,
    events_updated: log.events_updated,
    events_deleted: log.events_deleted,
    events_skipped: log.events_skipped,
    events_failed: log.events_failed,
    api_calls: log.api_calls,
    duration_ms: log.duration_ms ?? undefined,
    error: log.error,
    failures: log.failures ?? [],
  };
}

function empty(): Promise<{ calendars: CalendarOption[]; error: null }> {
  return Promise.resolve({ calendars: [], error: null });
}

async function calendarsOf(
  services: Services,
  userId: string,
  accountType: AccountType,
): Promise<{ calendars: CalendarOption[]; error: string | null }> {
  try {
    const list = await listCalendarsForAccount(services, userId, accountType);
    return {
      calendars: list.calendars.map(({ id, summary, primary, background_color, writable }) => ({
        id,
        summary,
        primary,
        background_color,
        writable,
      })),
      error: null,
    };
  } catch {
    return {
      calendars: [],
      error: `Google did not answer with the ${accountType} account's calendars. ` +
        "Reload the page in a moment, or reconnect the account.",
    };
  }
}

export default define.page<DashboardData>(function Dashboard({ data }) {
  return (
    <>
      <Head>
        <title>Dashboard · cal-sync</title>
      </Head>
      <h1>Dashboard</h1>
      {data.notice && <p class="notice" role="status">{data.notice}</p>}
      <section class="section" aria-labelledby="accounts-title">
        <h2 id="accounts-title">Accounts</h2>
        <OAuthStatus {...data.oauth} />
      </section>
      <section class="section card" aria-labelledby="new-sync-title">
        <h2 id="new-sync-title">New sync</h2>
        <SyncConfigForm {...data.form} />
      </section>
      <section class="section" aria-labelledby="syncs-title" id="syncs">
        <h2 id="syncs-title">Your syncs</h2>
        <SyncList
          syncs={data.syncs}
          canRun={data.canRun}
          ranId={data.ran?.id ?? null}
          ranResult={data.ran?.result ?? null}
        />
      </section>
    </>
  );
});
