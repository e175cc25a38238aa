import type { Explained } from "@/lib/sync/explain.ts";

interface Props {
  syncId: string;
  q: string;
  search: { events: Explained[] } | { error: string } | null;
}

const STATUS_WORDS: Record<string, string> = {
  copied: "Copied",
  filtered: "Filtered out",
  outside_window: "Outside the window",
  unsupported_type: "Not copied",
  failed: "Failed",
  pending: "Not copied yet",
};

/** A search over the source's events, each told with where its copy stands and why. */
export function EventSearch({ syncId, q, search }: Props) {
  return (
    <>
      <form method="get" action={`/syncs/${syncId}`} role="search" class="form">
        <div class="field">
          <label for="event-search">Find an event of the source calendar</label>
          <input id="event-search" name="q" type="search" value={q} placeholder="Dentist" />
        </div>
        <button type="submit" class="button">Search</button>
      </form>
      {search && "error" in search && <p class="warning">{search.error}</p>}
      {search && "events" in search && search.events.length === 0 && <p>No event matches.</p>}
      {search && "events" in search && search.events.length > 0 && (
        <ul class="event-reasons" data-testid="event-reasons">
          {search.events.map((e) => (
            <li key={e.source_event_id}>
              <strong>{e.summary ?? "(no title)"}</strong>{" "}
              <span class="muted">{e.start ?? ""}</span>{" "}
              <span class={`badge badge--${e.status === "copied" ? "ok" : "warn"}`}>
                {STATUS_WORDS[e.status]}
              </span>{" "}
              <span class="reason">{e.reason}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
