/** The Calendar v3 HTTP surface: routing, authentication, quota, faults and rendering. */
import { calendarListEntry, calendarResource, listCalendars } from "./_calendar_list.ts";
import { checkIfMatch, notModified } from "./_conditional.ts";
import {
  badRequest,
  encodeJson,
  GoogleApiError,
  notFound,
  rateLimited,
  unauthenticated,
} from "./_errors.ts";
import type { Json } from "./_event_input.ts";
import { getEvent } from "./_event_resource.ts";
import { deleteEvent, insertEvent, writeEvent } from "./_event_writes.ts";
import { resolveEvent } from "./_instances.ts";
import { listEvents, listInstances } from "./_listings.ts";
import { importEvent, moveEvent, quickAddEvent } from "./_event_ops.ts";
import { chosenWrite, injectFaults } from "./_faults.ts";
import { applyMask, fieldMask } from "./_fields.ts";
import { stopChannel, watchEvents } from "./_push.ts";
import type { Calendar } from "./_state.ts";
import type { Store } from "./_store.ts";

interface Route {
  name: string;
  method: string;
  pattern: RegExp;
  /** The schema of the response body (for `fields=`); none for a bodiless 204. */
  schema?: string;
}

const ROUTES: Route[] = [
  {
    name: "calendarList.list",
    method: "GET",
    pattern: /^\/users\/me\/calendarList$/,
    schema: "CalendarList",
  },
  {
    name: "calendarList.get",
    method: "GET",
    pattern: /^\/users\/me\/calendarList\/([^/]+)$/,
    schema: "CalendarListEntry",
  },
  { name: "calendars.get", method: "GET", pattern: /^\/calendars\/([^/]+)$/, schema: "Calendar" },
  {
    name: "events.watch",
    method: "POST",
    pattern: /^\/calendars\/([^/]+)\/events\/watch$/,
    schema: "Channel",
  },
  {
    name: "events.quickAdd",
    method: "POST",
    pattern: /^\/calendars\/([^/]+)\/events\/quickAdd$/,
    schema: "Event",
  },
  {
    name: "events.import",
    method: "POST",
    pattern: /^\/calendars\/([^/]+)\/events\/import$/,
    schema: "Event",
  },
  {
    name: "events.move",
    method: "POST",
    pattern: /^\/calendars\/([^/]+)\/events\/([^/]+)\/move$/,
    schema: "Event",
  },
  {
    name: "events.list",
    method: "GET",
    pattern: /^\/calendars\/([^/]+)\/events$/,
    schema: "Events",
  },
  {
    name: "events.insert",
    method: "POST",
    pattern: /^\/calendars\/([^/]+)\/events$/,
    schema: "Event",
  },
  {
    name: "events.instances",
    method: "GET",
    pattern: /^\/calendars\/([^/]+)\/events\/([^/]+)\/instances$/,
    schema: "Events",
  },
  {
    name: "events.get",
    method: "GET",
    pattern: /^\/calendars\/([^/]+)\/events\/([^/]+)$/,
    schema: "Event",
  },
  {
    name: "events.patch",
    method: "PATCH",
    pattern: /^\/calendars\/([^/]+)\/events\/([^/]+)$/,
    schema: "Event",
  },
  {
    name: "events.update",
    method: "PUT",
    pattern: /^\/calendars\/([^/]+)\/events\/([^/]+)$/,
    schema: "Event",
  },
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

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

/** What a route answers: a JSON body (rendered with `fields=` and `prettyPrint`) or a bodiless reply. */
type Answer = { body: Json; headers?: Record<string, string> } | Response;

/** Serves one request under `/calendar/v3`; `path` is what follows that prefix. */
export async function handleCalendar(
  store: Store,
  req: Request,
  url: URL,
  path: string,
  origin: string,
  options: { countBytes?: boolean } = {},
): Promise<Response> {
  const params = url.searchParams;
  let email: string | undefined;
  const render = (body: Json, status: number, headers: Record<string, string> = {}) => {
    const bytes = encodeJson(body, params.get("prettyPrint") !== "false");
    if (options.countBytes ?? true) store.countBytes(email, bytes.length);
    return new Response(bytes, {
      status,
      headers: { "content-type": "application/json; charset=UTF-8", ...headers },
    });
  };
  try {
    const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(path));
    store.count(route?.name ?? "unknown", req.method);
    if (store.faults.latency_ms) await sleep(store.faults.latency_ms);
    const token = bearer(req, url);
    const auth = token ? store.accountForToken(token) : undefined;
    if (!auth) throw unauthenticated();
    email = auth.email;
    if (!route) {
      const pathMatches = ROUTES.some((r) => r.pattern.test(path));
      if (pathMatches) {
        throw new GoogleApiError(405, "Method Not Allowed", "httpMethodNotAllowed");
      }
      throw notFound();
    }
    if (!store.chargeQuota(email, route.name === "events.patch" ? 3 : 1)) {
      throw rateLimited(store.faults.quota_status ?? 403);
    }
    injectFaults(store);
    const mask = route.schema ? fieldMask(params.get("fields"), route.schema) : null;
    const answer = await serve(store, req, route, path, params, email, origin);
    if (answer instanceof Response) return answer;
    return render(mask ? applyMask(answer.body, mask) : answer.body, 200, answer.headers);
  } catch (err) {
    if (err instanceof GoogleApiError) return render(err.body(), err.code, err.headers);
    console.error("sandbox: unexpected error", err);
    return render(new GoogleApiError(500, "Backend Error", "backendError").body(), 500);
  }
}

async function serve(
  store: Store,
  req: Request,
  route: Route,
  path: string,
  params: URLSearchParams,
  email: string,
  origin: string,
): Promise<Answer> {
  const m = route.pattern.exec(path)!;
  const segment = (i: number) => {
    try {
      return decodeURIComponent(m[i]);
    } catch {
      throw notFound();
    }
  };
  if (route.name === "calendarList.list") return { body: listCalendars(store, email, params) };
  if (route.name === "channels.stop") {
    stopChannel(store, await readJson(req));
    return new Response(null, { status: 204 });
  }
  const cal = store.calendarFor(email, segment(1));
  const call = CALENDAR_CALLS[route.name];
  if (!cal || !call) throw notFound();
  return await call({ store, req, cal, email, params, origin, eventId: () => segment(2) });
}

/** A call on one calendar the caller can see, with what its handler may need. */
interface CalendarCall {
  store: Store;
  req: Request;
  cal: Calendar;
  email: string;
  params: URLSearchParams;
  origin: string;
  /** The event id in the path, decoded (404 when it can't be). */
  eventId: () => string;
}

/** The calls on one calendar, by route name. */
const CALENDAR_CALLS: Record<string, (call: CalendarCall) => Answer | Promise<Answer>> = {
  "calendarList.get": ({ cal, email }) => ({ body: calendarListEntry(cal, email) }),
  "calendars.get": ({ cal }) => ({ body: calendarResource(cal) }),
  "events.list": ({ store, cal, email, params }) => ({
    body: listEvents(store, cal, email, params),
  }),
  "events.insert": async ({ store, req, cal, email }) =>
    withEtag(insertEvent(store, cal, email, chosenWrite(store, await readJson(req)))),
  "events.quickAdd": async ({ store, req, cal, email, params }) => {
    await req.body?.cancel();
    return { body: quickAddEvent(store, cal, email, params.get("text")) };
  },
  "events.import": async ({ store, req, cal, email }) => ({
    body: importEvent(store, cal, email, chosenWrite(store, await readJson(req))),
  }),
  "events.move": async ({ store, req, cal, email, params, eventId }) => {
    await req.body?.cancel();
    return { body: moveEvent(store, cal, email, eventId(), params.get("destination")) };
  },
  "events.watch": async ({ store, req, cal, origin }) => ({
    body: watchEvents(store, cal, origin, await readJson(req)),
  }),
  "events.instances": ({ store, cal, email, params, eventId }) => ({
    body: listInstances(store, cal, email, eventId(), params),
  }),
  "events.get": ({ req, cal, eventId }) => {
    const event = getEvent(cal, eventId());
    if (notModified(req, event.etag)) {
      return new Response(null, { status: 304, headers: { etag: event.etag } });
    }
    return withEtag(event);
  },
  "events.patch": (call) => writeIfMatch(call, "patch"),
  "events.update": (call) => writeIfMatch(call, "update"),
  "events.delete": ({ store, req, cal, email, eventId }) => {
    checkIfMatch(req, () => resolveEvent(cal, eventId()).event.etag);
    deleteEvent(store, cal, email, eventId());
    return new Response(null, { status: 204 });
  },
};

/** events.patch and events.update, refused with 412 when `If-Match` names another version. */
async function writeIfMatch(call: CalendarCall, mode: "patch" | "update"): Promise<Answer> {
  const { store, req, cal, email, eventId } = call;
  const body = chosenWrite(store, await readJson(req));
  checkIfMatch(req, () => resolveEvent(cal, eventId()).event.etag);
  return withEtag(writeEvent(store, cal, email, eventId(), body, mode));
}

/** An event answered with its etag also in the `ETag` header, as Google does. */
function withEtag(event: Json): Answer {
  return { body: event, headers: { etag: event.etag } };
}
