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
  const seg = (i: number) => {
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
  const cal = store.calendarFor(email, seg(1));
  if (!cal) throw notFound();
  switch (route.name) {
    case "calendarList.get":
      return { body: calendarListEntry(cal, email) };
    case "calendars.get":
      return { body: calendarResource(cal) };
    case "events.list":
      return { body: listEvents(store, cal, email, params) };
    case "events.insert": {
      const event = insertEvent(store, cal, email, chosenWrite(store, await readJson(req)));
      return { body: event, headers: { etag: event.etag } };
    }
    case "events.quickAdd":
      await req.body?.cancel();
      return { body: quickAddEvent(store, cal, email, params.get("text")) };
    case "events.import":
      return { body: importEvent(store, cal, email, chosenWrite(store, await readJson(req))) };
    case "events.move":
      await req.body?.cancel();
      return { body: moveEvent(store, cal, email, seg(2), params.get("destination")) };
    case "events.watch":
      return { body: watchEvents(store, cal, origin, await readJson(req)) };
    case "events.instances":
      return { body: listInstances(store, cal, email, seg(2), params) };
    case "events.get": {
      const event = getEvent(cal, seg(2));
      if (notModified(req, event.etag)) {
        return new Response(null, { status: 304, headers: { etag: event.etag } });
      }
      return { body: event, headers: { etag: event.etag } };
    }
    case "events.patch":
    case "events.update": {
      const body = chosenWrite(store, await readJson(req));
      checkIfMatch(req, () => resolveEvent(cal, seg(2)).event.etag);
      const mode = route.name === "events.patch" ? "patch" : "update";
      const event = writeEvent(store, cal, email, seg(2), body, mode);
      return { body: event, headers: { etag: event.etag } };
    }
    case "events.delete":
      checkIfMatch(req, () => resolveEvent(cal, seg(2)).event.etag);
      deleteEvent(store, cal, email, seg(2));
      return new Response(null, { status: 204 });
  }
  throw notFound();
}
