import { z } from "zod";
import { listGoogleAccounts } from "@/lib/db/google_accounts.ts";
import { listSyncConfigsByUser, type SyncConfigView } from "@/lib/db/sync_configs.ts";
import type { Services } from "@/lib/services.ts";
import { cachedCalendarList, type CalendarChoice, calendarChoice } from "./calendar_list.ts";

/** A sync as an account's row names it. */
export interface AccountSyncView {
  id: string;
  name: string;
}

/** One connected account as the AccountList island receives it (JSON-serializable). */
export interface AccountView {
  id: string;
  email: string;
  status: "ok" | "needs_reconnect";
  connected_at: string;
  /** The syncs that read or write it: a disconnect pauses these. */
  syncs: AccountSyncView[];
}

/** The notice the OAuth callback leaves in the dashboard's query string. */
export interface ConnectNotice {
  kind: "connected" | "cancelled" | "failed";
  /** The seed role it went through, if any. */
  account: "source" | "destination" | null;
  /** The account it is about, when known. */
  account_id: string | null;
  email: string | null;
  reason: string | null;
  /** It came back in the popup a Reconnect opened: announce it, then close the popup. */
  popup: boolean;
}

export interface AccountListProps {
  accounts: AccountView[];
  notice: ConnectNotice | null;
}

/** A connected account's calendars, as a group of the new-sync pickers. */
export interface CalendarGroup {
  account_id: string;
  email: string;
  status: "ok" | "needs_reconnect";
  calendars: CalendarChoice[];
  /** Why its list could not be read, when it could not. */
  error: string | null;
}

/**
 * The query fields of the notice the OAuth callback leaves, for the dashboard's query schema.
 * Each is cosmetic: a value that is not one of ours counts as absent.
 */
export const connectNoticeQuery = {
  connect: z.enum(["connected", "cancelled", "failed"]).optional().catch(undefined),
  account: z.enum(["source", "destination", "account", "new"]).optional().catch(undefined),
  account_id: z.uuid().optional().catch(undefined),
  reason: z.string().regex(/^[a-z_]{1,40}$/).optional().catch(undefined),
  popup: z.literal("1").optional().catch(undefined),
};

type ConnectNoticeQuery = {
  [K in keyof typeof connectNoticeQuery]?: z.output<(typeof connectNoticeQuery)[K]>;
};

export interface AccountsDashboard {
  accounts: AccountListProps;
  groups: CalendarGroup[];
  configs: SyncConfigView[];
}

/**
 * What the dashboard shows of the user's accounts: the list (with the syncs using each), the
 * calendars of each from the cache (a view asks Google nothing; see cachedCalendarList), and
 * the configs.
 */
export async function accountsDashboard(
  services: Services,
  userId: string,
  query: ConnectNoticeQuery,
): Promise<AccountsDashboard> {
  const [rows, configs] = await Promise.all([
    listGoogleAccounts(services.db, userId),
    listSyncConfigsByUser(services.db, userId),
  ]);
  const accounts = rows.map((a): AccountView => ({
    id: a.id,
    email: a.google_email,
    status: a.status,
    connected_at: new Date(a.connected_at).toISOString(),
    syncs: configs
      .filter((c) => c.source_account_id === a.id || c.dest_account_id === a.id)
      .map((c) => ({ id: c.id, name: `${c.source_calendar_name} → ${c.dest_calendar_name}` })),
  }));
  const groups = await Promise.all(rows.map((a) => calendarGroup(services, userId, a)));
  const { connect, account, account_id, reason, popup } = query;
  const email = rows.find((a) => a.id === account_id)?.google_email ?? null;
  return {
    accounts: {
      accounts,
      notice: connect && account
        ? {
          kind: connect,
          account: account === "source" || account === "destination" ? account : null,
          account_id: account_id ?? null,
          email,
          reason: reason ?? null,
          popup: popup === "1",
        }
        : null,
    },
    groups,
    configs,
  };
}

async function calendarGroup(
  services: Services,
  userId: string,
  a: { id: string; google_email: string; status: "ok" | "needs_reconnect" },
): Promise<CalendarGroup> {
  const group = { account_id: a.id, email: a.google_email, status: a.status };
  try {
    // An account that needs reconnecting cannot refresh: its cached list is all there is.
    const list = await cachedCalendarList(services, userId, a.id, { refresh: a.status === "ok" });
    return { ...group, calendars: list.calendars.map(calendarChoice), error: null };
  } catch {
    return {
      ...group,
      calendars: [],
      error: `Google did not answer with the calendars of ${a.google_email}. ` +
        "Reload the page in a moment, or reconnect the account.",
    };
  }
}
