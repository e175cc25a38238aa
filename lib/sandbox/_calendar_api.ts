/** The Calendar v3 HTTP surface: routing, authentication, quota and injected faults. */
import {
  badRequest,
  GoogleApiError,
  json,
  notFound,
  rateLimited,
  unauthenticated,
} from "./_errors.ts";
import type { Json } from "./_event_input.ts";
import {
  deleteEvent,
  getEvent,
  insertEvent,
  listEvents,
  listInstances,
  resolveEvent,
  writeEvent,
} from "./_events.ts";
import { checkIfMatch, notModified } from "./_conditional.ts";
import { stopChannel, watchEvents } from "./_push.ts";
import type { Calendar } from "./_state.ts";
import { decodeToken, encodeToken } from "./_state.ts";
import type { Store } from "./_store.ts";

const ROLE_RANK = { freeBusyReader: 0, reader: 1, writer: 2, owner: 3 } as const;

interface Route {
  name: string;
  method: string;
  pattern: RegExp;
}

const ROUTES: Route[] = [
  { name: "calendarList.list", method: "GET", pattern: /^\/users\/me\/calendarList$/ },
  { name: "calendarList.get", method: "GET", pattern: /^\/users\/me\/calendarList\/([^/]+)$/ },
  { name: "calendars.get", method: "GET", pattern: /^\/calendars\/([^/]+)$/ },
  { name: "events.watch", method: "POST", pattern: /^\/calendars\/([^/]+)\/events\/watch$/ },
  { name: "events.list", method: "GET", pattern: /^\/calendars\/([^/]+)\/events$/ },
  { name: "events.insert", method: "POST", pattern: /^\/calendars\/([^/]+)\/events$/ },
  {
    name: "events.instances",
    method: "GET",
    pattern: /^\/calendars\/([^/]+)\/events\/([^/]+)\/instances$/,
  },
  { name: "events.get", method: "GET", pattern: /^\/calendars\/([^/]+)\/events\/([^/]+)$/ },
  { name: "events.patch", method: "PATCH", pattern: /^\/calendars\/([^/]+)\/events\/([^/]+)$/ },
  { name: "events.update", method: "PUT", pattern: /^\/calendars\/([^/]+)\/events\/([^/]+)$/ },
  { name: "events.delete", method: "DELETE", pattern: /^\/calendars\/([^/]+)\/events\/([^/]+)$/ },
  { name: "channels.stop", method: "POST", pattern: /^\/channels\/stop$/ },
];

function bearer(req: Request, url: URL): string | null {
  const h = req.headers.get("authorization");
  if (h) {
    const m = /^Bearer\s+(.+)$/i.exec(h.trim());
    return m ? m[1] : null;
  }
  return url.searchParams.get("access_token");
}

async function readJson(req: Request): Promise<Json> {
  const text = await req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("Parse Error", "parseError");
  }
}

function calendarListEntry(cal: Calendar, email: string): Json {
  const entry: Json = {
    kind: "calendar#calendarListEntry",
    etag: `"${cal.tokenGeneration}${cal.id.length}"`,
    id: cal.id,
    summary: cal.summary,
  };
  if (cal.description) entry.description = cal.description;
  Object.assign(entry, {
    timeZone: cal.timeZone,
    colorId: cal.colorId,
    backgroundColor: cal.backgroundColor,
    foregroundColor: cal.foregroundColor,
    selected: true,
    accessRole: cal.access[email],
    defaultReminders: cal.primaryOf === email ? [{ method: "popup", minutes: 10 }] : [],
    conferenceProperties: { allowedConferenceSolutionTypes: ["hangoutsMeet"] },
  });
  if (cal.primaryOf === email) {
    entry.notificationSettings = {
      notifications: [
        { type: "eventCreation", method: "email" },
        { type: "eventChange", method: "email" },
        { type: "eventCancellation", method: "email" },
        { type: "eventResponse", method: "email" },
      ],
    };
    entry.primary = true;
  }
  return entry;
}

function listCalendars(store: Store, email: string, params: URLSearchParams): Json {
  const account = store.state.accounts[email];
  const max = params.get("maxResults");
  let maxResults = 100;
  if (max !== null) {
    const n = Number(max);
    if (!Number.isInteger(n) || n < 1) {
      throw badRequest(`Invalid value '${max}'. Values must be within the range: [1, 250]`);
    }
    maxResults = Math.min(n, 250);
  }
  const minRole = params.get("minAccessRole") as keyof typeof ROLE_RANK | null;
  if (minRole !== null && !(minRole in ROLE_RANK)) {
    throw badRequest(`Invalid value for: minAccessRole`);
  }
  const cals = account.calendarIds
    .map((id) => store.state.calendars[id])
    .filter((c) => c && c.access[email])
    .filter((c) => !minRole || ROLE_RANK[c.access[email]] >= ROLE_RANK[minRole]);
  let offset = 0;
  const pt = params.get("pageToken");
  if (pt !== null) {
    const p = decodeToken<{ e: string; o: number }>(pt);
    if (!p || p.e !== store.state.epoch) throw badRequest("Invalid page token value.");
    offset = p.o;
  }
  const body: Json = {
    kind: "calendar#calendarList",
    etag: `"c${store.state.seq}"`,
  };
  if (offset + maxResults < cals.length) {
    body.nextPageToken = encodeToken({ e: store.state.epoch, o: offset + maxResults });
  } else {
    body.nextSyncToken = encodeToken({ e: store.state.epoch, cl: store.state.seq });
  }
  body.items = cals.slice(offset, offset + maxResults).map((c) => calendarListEntry(c, email));
  return body;
}

function calendarResource(cal: Calendar): Json {
  const out: Json = {
    kind: "calendar#calendar",
    etag: `"${cal.tokenGeneration}${cal.id.length}"`,
    id: cal.id,
    summary: cal.summary,
  };
  if (cal.description) out.description = cal.description;
  out.timeZone = cal.timeZone;
  out.conferenceProperties = { allowedConferenceSolutionTypes: ["hangoutsMeet"] };
  return out;
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Serves one request under `/calendar/v3`; `path` is what follows that prefix. */
export async function handleCalendar(
  store: Store,
  req: Request,
  url: URL,
  path: string,
  origin: string,
): Promise<Response> {
  try {
    const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(path));
    const name = route?.name ?? "unknown";
    store.count(name, req.method);
    if (store.faults.latency_ms) await sleep(store.faults.latency_ms);
    const token = bearer(req, url);
    const auth = token ? store.accountForToken(token) : undefined;
    if (!auth) throw unauthenticated();
    if (!route) {
      const pathMatches = ROUTES.some((r) => r.pattern.test(path));
      if (pathMatches) {
        throw new GoogleApiError(405, "Method Not Allowed", "httpMethodNotAllowed");
      }
      throw notFound();
    }
    const email = auth.email;
    if (!store.chargeQuota(email, route.name === "events.patch" ? 3 : 1)) {
      throw rateLimited(store.faults.quota_status ?? 403);
    }
    injectFaults(store);
    const params = url.searchParams;
    const m = route.pattern.exec(path)!;
    const seg = (i: number) => {
      try {
        return decodeURIComponent(m[i]);
      } catch {
        throw notFound();
      }
    };
    if (route.name === "calendarList.list") return json(listCalendars(store, email, params));
    if (route.name === "channels.stop") {
      stopChannel(store, await readJson(req));
      return new Response(null, { status: 204 });
    }
    const cal = store.calendarFor(email, seg(1));
    if (!cal) throw notFound();
    switch (route.name) {
      case "calendarList.get":
        return json(calendarListEntry(cal, email));
      case "calendars.get":
        return json(calendarResource(cal));
      case "events.list":
        return json(listEvents(store, cal, email, params));
      case "events.insert":
        return json(insertEvent(store, cal, email, await chosenWrite(store, req)));
      case "events.watch":
        return json(watchEvents(store, cal, origin, await readJson(req)));
      case "events.instances":
        return json(listInstances(store, cal, email, seg(2), params));
      case "events.get": {
        const event = getEvent(cal, seg(2));
        if (notModified(req, event.etag)) {
          return new Response(null, { status: 304, headers: { etag: event.etag } });
        }
        return json(event, 200, { etag: event.etag });
      }
      case "events.patch":
      case "events.update": {
        const body = await chosenWrite(store, req);
        checkIfMatch(req, () => resolveEvent(cal, seg(2)).event.etag);
        const mode = route.name === "events.patch" ? "patch" : "update";
        const event = writeEvent(store, cal, email, seg(2), body, mode);
        return json(event, 200, { etag: event.etag });
      }
      case "events.delete":
        checkIfMatch(req, () => resolveEvent(cal, seg(2)).event.etag);
        deleteEvent(store, cal, email, seg(2));
        return new Response(null, { status: 204 });
    }
    throw notFound();
  } catch (err) {
    if (err instanceof GoogleApiError) return err.toResponse();
    console.error("sandbox: unexpected error", err);
    return new GoogleApiError(500, "Backend Error", "backendError").toResponse();
  }
}

const FAULT_MESSAGES: Record<number, [string, string]> = {
  400: ["Bad Request", "badRequest"],
  401: ["Invalid Credentials", "authError"],
  403: ["Rate Limit Exceeded", "rateLimitExceeded"],
  404: ["Not Found", "notFound"],
  409: ["The requested identifier already exists.", "duplicate"],
  410: ["Sync token is no longer valid, a full sync is required.", "fullSyncRequired"],
  429: ["Rate Limit Exceeded", "rateLimitExceeded"],
  500: ["Backend Error", "backendError"],
  503: ["Backend Error", "backendError"],
};

function faultError(status: number, reason?: string): GoogleApiError {
  const [message, defReason] = FAULT_MESSAGES[status] ?? ["Backend Error", "backendError"];
  const r = reason ?? defReason;
  const domain = r === "rateLimitExceeded" || r === "userRateLimitExceeded" ||
      r === "quotaExceeded"
    ? "usageLimits"
    : r === "fullSyncRequired"
    ? "calendar"
    : "global";
  return new GoogleApiError(status, message, r, domain);
}

/** The body of a write, unless the `reject_writes` fault chose it by its summary. */
async function chosenWrite(store: Store, req: Request) {
  const body = await readJson(req);
  const rule = store.faults.reject_writes;
  const summary = (body as { summary?: unknown } | null)?.summary;
  if (rule && typeof summary === "string" && summary.startsWith(rule.summary_prefix)) {
    store.stats.injectedFaults++;
    throw faultError(rule.status, rule.reason);
  }
  return body;
}

function injectFaults(store: Store) {
  const { fail_every, error_rate } = store.faults;
  store.requestCounter++;
  if (fail_every && fail_every.n > 0 && store.requestCounter % fail_every.n === 0) {
    store.stats.injectedFaults++;
    throw faultError(fail_every.status, fail_every.reason);
  }
  if (error_rate && Math.random() < error_rate.rate) {
    store.stats.injectedFaults++;
    throw faultError(error_rate.status, error_rate.reason);
  }
}
