/**
 * Shared set-up of the sync API tests: one database (DATABASE_URL or an in-memory PGlite) and one
 * Google sandbox per test file, users connected to the sandbox through the real OAuth flow.
 */
import assert from "node:assert/strict";
import { calendar, type calendar_v3 } from "@googleapis/calendar";
import { OAuth2Client } from "google-auth-library";
import type { Hono } from "hono";
import type { User } from "@/lib/db/users.ts";
import {
  browserOf,
  type Client,
  consent,
  newGoogleAccount,
  newUser,
  openApp,
  openWorld,
  type World,
} from "../connect/_helpers.ts";

export { browserOf, type Client, newGoogleAccount, newUser, openApp, openWorld, type World };

export type Calendar = calendar_v3.Calendar;
export type Event = calendar_v3.Schema$Event;

export const DAY = 86_400_000;

/** Test options for files that leave a sandbox server and pools open until the end. */
export const opts = { sanitizeOps: false, sanitizeResources: false };

/** Connects `accountType` of the browser's user to the sandbox account `email`, over HTTP. */
export async function connect(
  browser: Client,
  accountType: "source" | "destination",
  email: string,
): Promise<void> {
  const start = await browser(`/api/oauth/start/${accountType}`, {
    headers: { accept: "application/json" },
  });
  assert.equal(start.status, 200);
  const back = await consent((await start.json()).authorization_url, email);
  const res = await browser(back.pathname + back.search);
  await res.body?.cancel();
  assert.equal(res.status, 303);
}

export interface Tenant {
  user: User;
  browser: Client;
  sourceEmail: string;
  destEmail: string;
  /** The source account's "Team" calendar and the destination account's "Team" calendar. */
  sourceCal: string;
  destCal: string;
  /** Calendar clients acting as the two Google accounts directly (not through the app). */
  source: Calendar;
  dest: Calendar;
}

/** A user with both Google accounts connected; each account has calendars "Main" and "Team". */
export async function tenant(app: Hono, world: World, label = "user"): Promise<Tenant> {
  const user = await newUser(world, label);
  const browser = await browserOf(app, world, user);
  const sourceEmail = newGoogleAccount(world, `${label}-src`);
  const destEmail = newGoogleAccount(world, `${label}-dst`);
  await connect(browser, "source", sourceEmail);
  await connect(browser, "destination", destEmail);
  const team = async (accountType: string) => {
    const res = await browser(`/api/calendars/${accountType}/list`);
    assert.equal(res.status, 200);
    const { calendars } = await res.json();
    return calendars.find((c: { summary: string }) => c.summary === "Team").id as string;
  };
  return {
    user,
    browser,
    sourceEmail,
    destEmail,
    sourceCal: await team("source"),
    destCal: await team("destination"),
    source: googleAs(world, sourceEmail),
    dest: googleAs(world, destEmail),
  };
}

/** A Calendar client acting as a sandbox account, the way a person's own Google app would. */
export function googleAs(world: World, email: string): Calendar {
  const auth = new OAuth2Client();
  auth.setCredentials({
    access_token: world.sandbox.issueAccessToken(email),
    expiry_date: Date.now() + 365 * DAY,
  });
  return calendar({ version: "v3", rootUrl: world.sandboxUrl, auth });
}

/** A JSON body as the tests read it. */
// deno-lint-ignore no-explicit-any
export type Json = any;

/** JSON request as the browser's user. */
export async function call(
  browser: Client,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json }> {
  const res = await browser(path, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Creates a config from the tenant's source Team calendar into its destination Team calendar. */
export async function createConfig(t: Tenant, extra: Record<string, unknown> = {}) {
  const res = await call(t.browser, "POST", "/api/sync/config", {
    source_calendar_id: t.sourceCal,
    dest_calendar_id: t.destCal,
    ...extra,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; [key: string]: unknown };
}

/** An RFC 3339 time `days` (fractional) from now, whole minutes, UTC. */
export function at(days: number, base = Date.now()): string {
  const t = Math.floor((base + days * DAY) / 60_000) * 60_000;
  return new Date(t).toISOString();
}

/** Adds `n` one-hour events to the tenant's source calendar, one a day from tomorrow. */
export async function addEvents(t: Tenant, n: number, title = "Event"): Promise<Event[]> {
  const out: Event[] = [];
  for (let i = 0; i < n; i++) {
    const res = await t.source.events.insert({
      calendarId: t.sourceCal,
      requestBody: {
        summary: `${title} ${i}`,
        start: { dateTime: at(1 + i), timeZone: "UTC" },
        end: { dateTime: at(1 + i + 1 / 24), timeZone: "UTC" },
      },
    });
    out.push(res.data);
  }
  return out;
}

/** Every event of a calendar (not expanded). */
export async function listEvents(cal: Calendar, calendarId: string): Promise<Event[]> {
  const items: Event[] = [];
  let pageToken: string | undefined;
  do {
    const res = await cal.events.list({ calendarId, maxResults: 2500, pageToken });
    items.push(...(res.data.items ?? []));
    pageToken = res.data.nextPageToken ?? undefined;
  } while (pageToken);
  return items;
}

/** Reads a Server-Sent Events body to its end: the events in order, data parsed. */
export async function readEvents(res: Response): Promise<{ event: string; data: Json }[]> {
  const text = await res.text();
  const events = [];
  for (const block of text.split("\n\n")) {
    const lines = block.split("\n").filter((l) => l && !l.startsWith(":"));
    if (!lines.length) continue;
    const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
    const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
    events.push({ event, data: JSON.parse(data) });
  }
  return events;
}
