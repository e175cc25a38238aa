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
