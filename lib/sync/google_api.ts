/**
 * The Google calls a sync run makes, behind a narrow interface built once per run from the
 * calendar_v3 clients: every call goes through the one retry layer and the account's rate limiter,
 * and is counted. Tests fault a single call by wrapping one method of these objects.
 */
import type { calendar_v3 } from "@googleapis/calendar";
import type { SyncConfigRow } from "@/lib/db/sync_configs.ts";
import { rateLimiterFor, type RetryOptions, withRetry } from "@/lib/google/retry.ts";
import {
  EVENT_LIST_FIELDS,
  SOURCE_EVENT_FIELDS,
  WRITTEN_COPY_FIELDS,
} from "@/lib/google/fields.ts";

export type Event = calendar_v3.Schema$Event;
export type ListParams = calendar_v3.Params$Resource$Events$List;

/** One page of a source listing. */
export interface EventPage {
  items: Event[];
  nextPageToken: string | null;
  nextSyncToken: string | null;
}

/** The source calendar, read only. */
export interface SourceApi {
  list(params: ListParams): Promise<EventPage>;
  get(eventId: string): Promise<Event>;
}

/** The destination calendar. An `etag` sends `If-Match`; null writes unconditionally. */
export interface DestApi {
  /** Inserts a copy under its own id; returns its etag. */
  insert(destId: string, body: Event): Promise<string | null>;
  /** Replaces a copy; returns its new etag. */
  update(destId: string, body: Event, etag: string | null): Promise<string | null>;
  delete(destId: string, etag: string | null): Promise<void>;
  get(destId: string): Promise<Event>;
  /** Two-way: patches an original with an edit made to its copy; returns it as a source reads it. */
  patch(eventId: string, body: Event, etag: string | null): Promise<Event>;
}

export interface GoogleApiOptions {
  source: calendar_v3.Calendar;
  dest: calendar_v3.Calendar;
  sourceCalendarId: string;
  destCalendarId: string;
  /** Whose rate limiters the calls wait on. */
  userId: string;
  /** Requests per minute per Google account (default 600). */
  quotaPerMinute?: number;
  retry?: Pick<RetryOptions, "maxAttempts" | "baseDelayMs" | "maxDelayMs">;
  signal?: AbortSignal;
  /** Ask Google for only the fields the engine reads (`fields=`, default true). */
  partialResponses?: boolean;
}

/** The run's two calendars, and how many requests went out so far. */
export interface RunApis {
  source: SourceApi;
  dest: DestApi;
  apiCalls(): number;
}

/** The interface to Google of a run of `config`, from its owner's generated clients. */
export function googleApisFor(
  config: Pick<SyncConfigRow, "user_id" | "source_calendar_id" | "dest_calendar_id">,
  o: Omit<GoogleApiOptions, "sourceCalendarId" | "destCalendarId" | "userId">,
): RunApis {
  return googleApis({
    ...o,
    sourceCalendarId: config.source_calendar_id,
    destCalendarId: config.dest_calendar_id,
    userId: config.user_id,
  });
}

/** The interface of a two-way config's reverse pass: B read as the source, A written. */
export function reverseGoogleApisFor(
  config: Pick<SyncConfigRow, "user_id" | "source_calendar_id" | "dest_calendar_id">,
  o: Omit<GoogleApiOptions, "sourceCalendarId" | "destCalendarId" | "userId">,
): RunApis {
  return googleApisFor({
    user_id: config.user_id,
    source_calendar_id: config.dest_calendar_id,
    dest_calendar_id: config.source_calendar_id,
  }, { ...o, source: o.dest, dest: o.source });
}

/** Builds the run's interface to Google from the generated clients. */
export function googleApis(o: GoogleApiOptions): RunApis {
  let calls = 0;
  const call = callThrough(o, () => calls++);
  const mask = (fields: string) => o.partialResponses === false ? {} : { fields };
  return {
    source: sourceApi(o, (fn) => call("source", fn), mask),
    dest: destApi(o, (fn) => call("destination", fn), mask),
    apiCalls: () => calls,
  };
}

type Call = <T>(fn: (o: { retry: false }) => Promise<T>) => Promise<T>;
type Mask = (fields: string) => { fields?: string };

/** A Google call through the one retry layer and the account's rate limiter, counted. */
function callThrough(o: GoogleApiOptions, count: () => void) {
  return <T>(account: "source" | "destination", fn: (o: { retry: false }) => Promise<T>) => {
    const limiter = rateLimiterFor(`${o.userId}:${account}`, o.quotaPerMinute ?? 600);
    const signal = o.signal;
    // The signal is checked before each request (withRetry), not handed to gaxios: aborting a
    // response body mid-stream surfaces as an unhandled error inside node-fetch. An answer that
    // arrives after the abort is still used, so a write Google took is recorded with its etag;
    // dropped, the next run would take its own write for an edit made in the destination.
    return withRetry(() => fn({ retry: false }), {
      ...o.retry,
      signal,
      beforeAttempt: async () => {
        await limiter.acquire(signal);
        count();
      },
    });
  };
}

const LIST_PAGE = 2500;

function sourceApi(o: GoogleApiOptions, call: Call, mask: Mask): SourceApi {
  const calendarId = o.sourceCalendarId;
  return {
    async list(params) {
      const res = await call((r) =>
        o.source.events.list(
          { calendarId, maxResults: LIST_PAGE, ...mask(EVENT_LIST_FIELDS), ...params },
          r,
        )
      );
      return {
        items: res.data.items ?? [],
        nextPageToken: res.data.nextPageToken ?? null,
        nextSyncToken: res.data.nextSyncToken ?? null,
      };
    },
    async get(eventId) {
      const res = await call((r) =>
        o.source.events.get({ calendarId, eventId, ...mask(SOURCE_EVENT_FIELDS) }, r)
      );
      return res.data;
    },
  };
}

function destApi(o: GoogleApiOptions, call: Call, mask: Mask): DestApi {
  const calendarId = o.destCalendarId;
  const written = () => mask(WRITTEN_COPY_FIELDS);
  return {
    async insert(destId, body) {
      const res = await call((r) =>
        o.dest.events.insert({
          calendarId,
          sendUpdates: "none",
          requestBody: { ...body, id: destId },
          ...written(),
        }, r)
      );
      return res.data.etag ?? null;
    },
    async update(eventId, body, etag) {
      const res = await call((r) =>
        o.dest.events.update(
          { calendarId, eventId, sendUpdates: "none", requestBody: body, ...written() },
          ifMatch(r, etag),
        )
      );
      return res.data.etag ?? null;
    },
    async delete(eventId, etag) {
      await call((r) =>
        o.dest.events.delete({ calendarId, eventId, sendUpdates: "none" }, ifMatch(r, etag))
      );
    },
    async get(eventId) {
      const res = await call((r) => o.dest.events.get({ calendarId, eventId, ...written() }, r));
      return res.data;
    },
    async patch(eventId, body, etag) {
      const res = await call((r) =>
        o.dest.events.patch(
          {
            calendarId,
            eventId,
            sendUpdates: "none",
            requestBody: body,
            ...mask(SOURCE_EVENT_FIELDS),
          },
          ifMatch(r, etag),
        )
      );
      return res.data;
    },
  };
}

/** A Google call's request options, with `If-Match` when the etag of the last write is known. */
function ifMatch<O extends object>(o: O, etag: string | null): O | O & { headers: HeadersInit } {
  return etag === null ? o : { ...o, headers: { "If-Match": etag } };
}
