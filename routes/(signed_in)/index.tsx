import { z } from "zod";
import { pushStatuses } from "@/lib/sync/push.ts";
import { runResultView, syncView } from "@/components/sync_data.ts";
import { parsePick, pickerField } from "@/components/sync_view.ts";
import { MailOffNotice } from "@/components/MailOffNotice.tsx";
import AccountList from "@/islands/AccountList.tsx";
import SyncConfigForm, { type SyncConfigFormProps } from "@/islands/SyncConfigForm.tsx";
import SyncList from "@/islands/SyncList.tsx";
import { listGoogleAccounts } from "@/lib/db/google_accounts.ts";
import { getSyncLog, listLatestRunsByUser } from "@/lib/db/sync_logs.ts";
import type { User } from "@/lib/db/users.ts";
import { listCalendarsForAccount } from "@/lib/google/calendar_list.ts";
import { accountsDashboard, connectNoticeQuery } from "@/lib/google/dashboard.ts";
import { formAgain, page } from "@/lib/http/page.ts";
import { NewSyncConfigIn } from "@/lib/sync/api_schemas.ts";
import { createSyncConfigForUser, InvalidSyncConfigError } from "@/lib/sync/configs.ts";
import { optionsFromForm } from "@/components/sync_options_form.ts";
import type { Services } from "@/lib/services.ts";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";
import type { Ctx } from "@/lib/web/types.ts";

const NOTICES: Record<string, string> = {
  created: "Sync created.",
  deleted: "Sync deleted. Copies already made stay in the destination.",
  deleted_events: "Sync deleted, and its copies were removed from the destination.",
  paused: "Sync paused: it will not run until you make it active again.",
  resumed: "Sync active again.",
  disconnected: "The Google account is disconnected; the syncs that used it are paused.",
  calendars_refreshed: "Calendar lists refreshed from Google.",
  calendars_unavailable:
    "Google could not be reached for the calendar lists: the lists shown are the last ones read. Try again in a moment.",
};

/**
 * The new-sync form as a browser without JavaScript posts it, every value a string: each
 * picker's `account id:calendar id`, read into what the API's create takes; an empty window
 * means the default.
 */
const NewSyncForm = z.object({
  source: z.string({ message: "expected a calendar" }).optional().default(""),
  dest: z.string({ message: "expected a calendar" }).optional().default(""),
  sync_lookahead_days: z.string({ message: "expected a whole number 1-365" }).optional()
    .default(""),
}).catchall(z.string()).transform(({ sync_lookahead_days: days, source, dest, ...fields }) => {
  const [s, d] = [parsePick(source), parsePick(dest)];
  return {
    ...(s.account_id ? { source_account_id: s.account_id } : {}),
    source_calendar_id: s.calendar_id,
    ...(d.account_id ? { dest_account_id: d.account_id } : {}),
    dest_calendar_id: d.calendar_id,
    // The options the form shows (privacy and marking, and the rest under "More options").
    ...(fields.privacy ? optionsFromForm(new Map(Object.entries(fields))) : {}),
    ...(days.trim() === "" ? {} : { sync_lookahead_days: Number(days) }),
    ...(fields.direction ? { direction: fields.direction } : {}),
  };
  // deno-lint-ignore no-explicit-any
}).pipe(NewSyncConfigIn as z.ZodType<z.output<typeof NewSyncConfigIn>, any>);

/**
 * What the dashboard's address may carry: a notice after a redirect (ours, or the OAuth
 * callback's), and the run "Sync now" just finished. Each is cosmetic, so a value that is not one of ours counts as absent.
 */
const DashboardQuery = z.object({
  notice: z.enum(Object.keys(NOTICES) as [string, ...string[]]).optional().catch(undefined),
  ran: z.uuid().optional().catch(undefined),
  log: z.uuid().optional().catch(undefined),
  /** "Refresh calendar lists": ask Google now instead of showing the cached lists. */
  refresh: z.literal("calendars").optional().catch(undefined),
  ...connectNoticeQuery,
});

export const handler = define.handlers({
  GET: page({ query: DashboardQuery }, async (ctx, { user, query }) => {
    if (query.refresh) {
      // Only renews the cached lists, so a cross-site link can do no harm; then back to a plain
      // address, which a reload or a bookmark does not turn into Google calls.
      const refreshed = await refreshCalendarLists(ctx.state.services, user.id);
      return ctx.redirect(
        `/?notice=${refreshed ? "calendars_refreshed" : "calendars_unavailable"}#new-sync-title`,
      );
    }
    return { data: await dashboardData(ctx, user, query) };
  }),
  POST: page(
    { form: NewSyncForm },
    async (ctx, { user, form }) => {
      const { source_account_id, dest_account_id, ...rest } = form;
      if (!source_account_id || !dest_account_id) {
        throw new InvalidSyncConfigError({
          source: "Choose a calendar",
          dest: "Choose a calendar",
        });
      }
      await createSyncConfigForUser(ctx.state.services, user.id, {
        ...rest,
        source_account_id,
        dest_account_id,
      });
      return ctx.redirect("/?notice=created#syncs");
    },
    async (ctx, failure) => {
      const { values, fields, message } = failure;
      const form = { values, fields: sentences(fields), formError: message ?? null };
      return formAgain(await dashboardData(ctx, ctx.state.user, {}, form), failure);
    },
  ),
});

/** "expected a whole number 1-365" → "Expected a whole number 1-365.", under its picker. */
function sentences(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, text]) => {
      const s = text.charAt(0).toUpperCase() + text.slice(1);
      return [pickerField(name), /[.!?]$/.test(s) ? s : `${s}.`];
    }),
  );
}

/** Everything the dashboard shows; `form` overrides what the new-sync form received back. */
async function dashboardData(
  ctx: Ctx,
  user: User,
  query: z.output<typeof DashboardQuery>,
  form: Partial<SyncConfigFormProps> = {},
) {
  const { services } = ctx.state;
  const [{ accounts, groups, configs }, latest] = await Promise.all([
    accountsDashboard(services, user.id, query),
    listLatestRunsByUser(services.db, user.id),
  ]);
  const lastRuns = new Map(latest.map((log) => [log.config_id, runResultView(log)]));
  const push = await pushStatuses(services, user.id, configs);
  const log = query.ran && query.log
    ? await getSyncLog(services.db, query.log, user.id)
    : undefined;
  return {
    accounts,
    form: {
      groups,
      defaultDays: services.config.syncLookaheadDays ?? 90,
      ...form,
    },
    syncs: configs.map((c) => ({
      ...syncView(c),
      last_run: lastRuns.get(c.id) ?? null,
      push: push.get(c.id),
    })),
    hasAccounts: groups.length > 0,
    notice: query.notice ? NOTICES[query.notice] : null,
    mailOff: services.mailer.mode === "off",
    ran: log && query.ran && log.config_id === query.ran
      ? { id: query.ran, result: runResultView(log) }
      : null,
  };
}

/**
 * Reads every connected account's calendar list from Google again; false when Google refused
 * one (its cached list stays).
 */
async function refreshCalendarLists(services: Services, userId: string): Promise<boolean> {
  const accounts = await listGoogleAccounts(services.db, userId);
  const results = await Promise.all(
    accounts.map((a) =>
      listCalendarsForAccount(services, userId, a.id).then((list) => !list.stale, () => false)
    ),
  );
  return results.every(Boolean);
}

export default define.page<typeof handler>(function Dashboard({ data }) {
  return (
    <>
      <Head>
        <title>Dashboard · cal-sync</title>
      </Head>
      <h1>Dashboard</h1>
      {data.notice && <p class="notice" role="status">{data.notice}</p>}
      {data.mailOff && <MailOffNotice />}
      <section class="section" aria-labelledby="accounts-title">
        <h2 id="accounts-title">Accounts</h2>
        <AccountList {...data.accounts} />
      </section>
      <section class="section card" aria-labelledby="new-sync-title">
        <h2 id="new-sync-title">New sync</h2>
        <SyncConfigForm {...data.form} />
      </section>
      <section class="section" aria-labelledby="syncs-title" id="syncs">
        <h2 id="syncs-title">Your syncs</h2>
        <SyncList
          syncs={data.syncs}
          hasAccounts={data.hasAccounts}
          ranId={data.ran?.id ?? null}
          ranResult={data.ran?.result ?? null}
        />
      </section>
    </>
  );
});
