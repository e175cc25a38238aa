/** Push notification channels: events.watch and channels.stop. */
import { badRequest, GoogleApiError, notFound } from "./_errors.ts";
import type { Json } from "./_event_input.ts";
import { randomToken } from "./_state.ts";
import type { Calendar } from "./_state.ts";
import type { Channel, Store } from "./_store.ts";

const DEFAULT_TTL_MS = 7 * 86400000;

/** events.watch: opens a channel and sends its `sync` message. */
export function watchEvents(store: Store, cal: Calendar, origin: string, body: Json): Json {
  if (!body || typeof body !== "object") throw badRequest("Parse Error", "parseError");
  if (typeof body.id !== "string" || !body.id) throw badRequest("Missing channel id.", "required");
  const address = webhookAddress(store, body);
  if ([...store.channels.values()].some((c) => c.id === body.id)) {
    throw new GoogleApiError(
      400,
      `Channel id ${body.id} not unique`,
      "channelIdNotUnique",
      "global",
    );
  }
  const channel: Channel = {
    id: body.id,
    resourceId: randomToken(18),
    resourceUri: `${origin}calendar/v3/calendars/${encodeURIComponent(cal.id)}/events?alt=json`,
    calendarId: cal.id,
    address: address.toString(),
    token: typeof body.token === "string" ? body.token : undefined,
    expiration: channelExpiration(store, Number(body.expiration)),
    messageNumber: 0,
  };
  store.channels.set(channel.resourceId + "/" + channel.id, channel);
  deliver(store, channel, "sync");
  const out: Json = {
    kind: "api#channel",
    id: channel.id,
    resourceId: channel.resourceId,
    resourceUri: channel.resourceUri,
    expiration: String(channel.expiration),
  };
  if (channel.token !== undefined) out.token = channel.token;
  return out;
}

/** A web_hook channel's address: HTTPS (or HTTP where the sandbox allows it), else Google's 400. */
function webhookAddress(store: Store, body: Json): URL {
  if (body.type !== "web_hook" && body.type !== "webhook") {
    throw badRequest(`Invalid channel type: ${body.type}`, "invalid");
  }
  let address: URL;
  try {
    address = new URL(body.address);
  } catch {
    throw badRequest(`Invalid address: ${body.address}`, "invalid");
  }
  const http = address.protocol === "http:" && store.allowHttpWebhooks;
  if (address.protocol !== "https:" && !http) {
    throw badRequest(`WebHook callback must be HTTPS: ${body.address}`, "push.webhookUrlNotHttps");
  }
  return address;
}

/** When a channel expires: the time asked for, at most a week ahead (the default). */
function channelExpiration(store: Store, requested: number): number {
  const now = store.now().getTime();
  return Number.isFinite(requested) && requested > now
    ? Math.min(requested, now + DEFAULT_TTL_MS)
    : now + DEFAULT_TTL_MS;
}

/** channels.stop */
export function stopChannel(store: Store, body: Json): void {
  if (!body || typeof body !== "object") throw badRequest("Parse Error", "parseError");
  const key = `${body.resourceId}/${body.id}`;
  if (!store.channels.has(key)) throw notFound();
  store.channels.delete(key);
}

/** Sends `exists` to every live channel watching the calendar. */
export function notifyChannels(store: Store, calendarId: string): void {
  const now = store.now().getTime();
  for (const [key, channel] of store.channels) {
    if (channel.expiration <= now) {
      store.channels.delete(key);
      continue;
    }
    if (channel.calendarId === calendarId) deliver(store, channel, "exists");
  }
}

function deliver(store: Store, channel: Channel, state: "sync" | "exists"): void {
  channel.messageNumber++;
  const headers: Record<string, string> = {
    "x-goog-channel-id": channel.id,
    "x-goog-channel-expiration": new Date(channel.expiration).toUTCString(),
    "x-goog-resource-id": channel.resourceId,
    "x-goog-resource-uri": channel.resourceUri,
    "x-goog-resource-state": state,
    "x-goog-message-number": String(channel.messageNumber),
  };
  if (channel.token !== undefined) headers["x-goog-channel-token"] = channel.token;
  // One delivery at a time per channel, so `sync` always arrives before any `exists`.
  const send = () =>
    fetch(channel.address, { method: "POST", headers })
      .then((res) => res.body?.cancel())
      .catch(() => {/* Google drops undeliverable messages too */});
  const p = (channel.queue ?? Promise.resolve()).then(send);
  channel.queue = p;
  store.track(p);
}
