/**
 * The signed-in user's live stream (`GET /api/events`): what changed in their accounts and syncs,
 * heard from the database (triggers of migrations/0020_events.sql NOTIFY `calsync_events`), so a
 * change made by any instance reaches every instance's streams. One LISTEN per process, shared by
 * all streams, started on the first stream; each event goes only to its own user's streams.
 */
import type { Db } from "@/lib/db/mod.ts";
import { log } from "@/lib/log.ts";
import { eventSink } from "@/lib/http/sse.ts";

export const EVENTS_CHANNEL = "calsync_events";
/** Streams one user may hold open at once (tabs); one more is refused with 429. */
export const MAX_STREAMS_PER_USER = 6;
const HEARTBEAT_MS = 25_000;

/** What a stream is told: ids and a kind, never a secret. */
export interface LiveEvent {
  kind: string;
  config_id?: string;
  log_id?: string;
  status?: string;
  account?: string;
}

type Listener = (event: LiveEvent) => void;

export class EventHub {
  #db: Db;
  #byUser = new Map<string, Set<Listener>>();
  #started: Promise<() => Promise<void>> | undefined;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Adds a listener of the user's events; undefined when the user has too many already. */
  async subscribe(userId: string, fn: Listener): Promise<(() => void) | undefined> {
    const set = this.#byUser.get(userId) ?? new Set();
    if (set.size >= MAX_STREAMS_PER_USER) return undefined;
    set.add(fn);
    this.#byUser.set(userId, set);
    try {
      this.#started ??= this.#db.listen(EVENTS_CHANNEL, (payload) => this.#dispatch(payload));
      await this.#started;
    } catch (err) {
      this.#started = undefined;
      set.delete(fn);
      throw err;
    }
    return () => {
      set.delete(fn);
      if (set.size === 0) this.#byUser.delete(userId);
    };
  }

  /** Streams open for the user now (tests, limits). */
  count(userId: string): number {
    return this.#byUser.get(userId)?.size ?? 0;
  }

  /** Stops listening (before the database closes). */
  async close(): Promise<void> {
    const started = this.#started;
    this.#started = undefined;
    if (started) await (await started.catch(() => async () => {}))();
  }

  #dispatch(payload: string): void {
    let parsed: { user_id?: unknown } & LiveEvent;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return;
    }
    const { user_id: userId, ...event } = parsed;
    if (typeof userId !== "string") return;
    for (const fn of this.#byUser.get(userId) ?? []) {
      try {
        fn(event);
      } catch (err) {
        log.warn("Live event listener failed", { error: String(err) });
      }
    }
  }
}

/**
 * The user's stream as Server-Sent Events: `event: <kind>` with the event as data, a comment
 * every 25 s so proxies keep it open, and `retry: 3000` for the browser's reconnects. Undefined
 * when the user already holds the most streams allowed.
 */
export async function userEventStream(
  hub: EventHub,
  userId: string,
  options: { heartbeatMs?: number } = {},
): Promise<Response | undefined> {
  const live: { stop(): void; timer?: ReturnType<typeof setInterval> } = { stop() {} };
  let sink!: ReturnType<typeof eventSink>;
  const end = () => {
    clearInterval(live.timer);
    live.stop();
    sink?.gone();
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      sink = eventSink(controller);
      sink.send("retry: 3000\n: connected\n\n");
    },
    cancel: end,
  });
  const unsubscribe = await hub.subscribe(userId, (event) => sink.event(event.kind, event));
  if (!unsubscribe) {
    await body.cancel();
    return undefined;
  }
  live.stop = unsubscribe;
  live.timer = setInterval(() => sink.send(": heartbeat\n\n"), options.heartbeatMs ?? HEARTBEAT_MS);
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}
