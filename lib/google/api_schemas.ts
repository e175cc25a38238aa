import { z } from "zod";

/** Path parameter of the connect and calendar routes. */
export const AccountTypeParams = z.object({
  account_type: z.enum(["source", "destination"], {
    message: 'expected "source" or "destination"',
  }).describe("Which connected Google account"),
});

export const ConnectionOut = z.object({
  connected: z.boolean(),
  email: z.string().nullable(),
  status: z.enum(["ok", "needs_reconnect"]).nullable(),
  connected_at: z.iso.datetime().nullable(),
}).meta({ id: "Connection" });

export const ConnectionStatusOut = z.object({
  source: ConnectionOut,
  destination: ConnectionOut,
}).meta({ id: "ConnectionStatus" });

export const CalendarOut = z.object({
  id: z.string(),
  summary: z.string(),
  primary: z.boolean(),
  access_role: z.string(),
  background_color: z.string().nullable(),
  time_zone: z.string().nullable(),
  writable: z.boolean().describe("Only writable calendars are valid sync destinations"),
}).meta({ id: "Calendar" });

export const CalendarListOut = z.object({
  calendars: z.array(CalendarOut),
  stale: z.boolean().describe("True when Google was unreachable and the cached list is served"),
  fetched_at: z.iso.datetime().nullable(),
}).meta({ id: "CalendarList" });

export const AccountIdParams = z.object({
  id: z.uuid({ message: "expected a Google account id" }).describe("The Google account's id"),
});

export const AccountOut = z.object({
  id: z.uuid(),
  email: z.string(),
  status: z.enum(["ok", "needs_reconnect"]).describe(
    "`needs_reconnect` once Google refused the stored grant: its syncs wait until it is reconnected",
  ),
  connected_at: z.iso.datetime(),
  calendars_refreshed_at: z.iso.datetime().nullable()
    .describe("When its calendar list was last read from Google"),
}).meta({ id: "GoogleAccount" });

export const AccountListOut = z.object({ accounts: z.array(AccountOut) })
  .meta({ id: "GoogleAccountList" });

export const ConnectIn = z.strictObject({
  login_hint: z.email({ message: "expected an email address" }).max(320).optional()
    .describe("An email for Google to preselect on its consent page"),
});

export const AuthorizationOut = z.object({
  authorization_url: z.url().describe("Google's consent page: send the person there"),
});

export const CalendarsQuery = z.object({
  refresh: z.enum(["true", "false"], { message: "expected true or false" }).optional()
    .transform((v) => v === "true")
    .describe("Read the list from Google now instead of the cache"),
});

export const AccountCalendarsOut = z.object({
  calendars: z.array(z.object({
    id: z.string(),
    summary: z.string(),
    primary: z.boolean(),
    writable: z.boolean().describe("Only writable calendars are valid sync destinations"),
    background_color: z.string().nullable(),
  })),
  stale: z.boolean().describe(
    "True when Google could not be reached (or the account needs reconnecting) and the cached list is served",
  ),
}).meta({ id: "AccountCalendars" });

export const DisconnectQuery = z.object({
  remove_synced_events: z.enum(["true", "false"], { message: "expected true or false" })
    .optional()
    .transform((v) => v === "true")
    .describe("First delete the copies of every sync writing into this account"),
});

export const DisconnectOut = z.object({
  disconnected: z.literal(true),
  paused_syncs: z.array(z.object({
    id: z.uuid(),
    source_calendar_name: z.string(),
    dest_calendar_name: z.string(),
  })).describe("The syncs paused: every active one using the account on either side"),
  events_removed: z.number().int().describe("Copies deleted (with remove_synced_events=true)"),
}).meta({ id: "AccountDisconnected" });
