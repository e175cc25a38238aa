import { useSignal } from "@preact/signals";
import CalendarPicker from "@/islands/CalendarPicker.tsx";
import {
  type CalendarOption,
  CREATED_EVENT,
  readApiError,
  type SyncView,
} from "@/components/sync_view.ts";

export interface SyncConfigFormProps {
  sourceConnected: boolean;
  destConnected: boolean;
  sourceCalendars: CalendarOption[];
  destCalendars: CalendarOption[];
  /** Why a calendar list could not be read, when it could not. */
  calendarsError: string | null;
  defaultDays: number;
  /** What the no-JavaScript post sent back with its errors. */
  values?: { source_calendar_id?: string; dest_calendar_id?: string; sync_lookahead_days?: string };
  fields?: Record<string, string>;
  formError?: string | null;
}

/** Picks a source and a destination calendar and creates the sync between them. */
export default function SyncConfigForm(props: SyncConfigFormProps) {
  const source = useSignal(props.values?.source_calendar_id ?? "");
  const dest = useSignal(props.values?.dest_calendar_id ?? "");
  const days = useSignal(props.values?.sync_lookahead_days ?? String(props.defaultDays));
  const fields = useSignal<Record<string, string>>(props.fields ?? {});
  const message = useSignal<{ text: string; error: boolean } | null>(
    props.formError ? { text: props.formError, error: true } : null,
  );
  const busy = useSignal(false);

  const ready = props.sourceConnected && props.destConnected;
  const missing = [
    !props.sourceConnected && "a source account",
    !props.destConnected && "a destination account",
  ].filter(Boolean).join(" and ");

  async function submit(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    busy.value = true;
    message.value = null;
    try {
      const res = await fetch("/api/sync/config", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          source_calendar_id: source.value,
          dest_calendar_id: dest.value,
          sync_lookahead_days: days.value === "" ? undefined : Number(days.value),
        }),
      });
      if (!res.ok) {
        const problem = await readApiError(res);
        fields.value = Object.fromEntries(
          Object.entries(problem.fields).map(([name, text]) => [name, sentence(text)]),
        );
        const known = ["source_calendar_id", "dest_calendar_id", "sync_lookahead_days"];
        const placed = Object.keys(problem.fields).some((name) => known.includes(name));
        message.value = placed
          ? { text: "Please correct the marked field.", error: true }
          : { text: problem.message, error: true };
        if (placed) focusFirstError(form);
        return;
      }
      const config = await res.json() as SyncView;
      fields.value = {};
      message.value = {
        text: `Sync created: ${config.source_calendar_name} → ${config.dest_calendar_name}.`,
        error: false,
      };
      dispatchEvent(new CustomEvent(CREATED_EVENT, { detail: config }));
    } catch {
      message.value = { text: "Could not reach the server. Please try again.", error: true };
    } finally {
      busy.value = false;
    }
  }

  return (
    <form method="post" action="/" class="form form--wide" noValidate onSubmit={submit}>
      <input type="hidden" name="intent" value="create" />
      {!ready && (
        <p class="empty" id="new-sync-help">
          Connect {missing}{" "}
          above first; then pick the calendar to copy from and the one to copy into.
        </p>
      )}
      {ready && props.calendarsError && (
        <p class="form__error" role="alert">{props.calendarsError}</p>
      )}
      {message.value && (
        <p class={message.value.error ? "form__error" : "notice"} role="status">
          {message.value.text}
        </p>
      )}
      <fieldset
        class="form__row"
        disabled={!ready}
        aria-describedby={ready ? undefined : "new-sync-help"}
      >
        <legend class="visually-hidden">Calendars and window</legend>
        <CalendarPicker
          name="source_calendar_id"
          label="Source calendar"
          calendars={props.sourceCalendars}
          value={source.value}
          onChange={(id) => source.value = id}
          error={fields.value.source_calendar_id}
        />
        <CalendarPicker
          name="dest_calendar_id"
          label="Destination calendar"
          calendars={props.destCalendars}
          value={dest.value}
          onChange={(id) => dest.value = id}
          writableOnly
          excludeId={source.value}
          error={fields.value.dest_calendar_id}
        />
        <div class="field field--narrow">
          <label for="sync_lookahead_days">Days ahead</label>
          <input
            id="sync_lookahead_days"
            name="sync_lookahead_days"
            type="number"
            inputMode="numeric"
            min={1}
            max={365}
            value={days.value}
            onInput={(e) => days.value = (e.currentTarget as HTMLInputElement).value}
            aria-invalid={fields.value.sync_lookahead_days ? "true" : undefined}
            aria-describedby={`days-hint${
              fields.value.sync_lookahead_days ? " sync_lookahead_days-error" : ""
            }`}
          />
          <p id="days-hint" class="field__hint">1–365; events from now until then are copied.</p>
          {fields.value.sync_lookahead_days && (
            <p id="sync_lookahead_days-error" class="field__error">
              {fields.value.sync_lookahead_days}
            </p>
          )}
        </div>
        <div class="form__actions">
          <button type="submit" class="button" disabled={busy.value}>
            {busy.value ? "Creating…" : "Create sync"}
          </button>
        </div>
      </fieldset>
      {ready && (
        <p class="field__hint">
          A calendar you just added in Google is missing?{" "}
          <a href="/?refresh=calendars">Refresh the calendar lists</a>.
        </p>
      )}
    </form>
  );
}

/** "expected a whole number 1-365" → "Expected a whole number 1-365." */
function sentence(text: string): string {
  const s = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

function focusFirstError(form: HTMLFormElement) {
  setTimeout(() => form.querySelector<HTMLElement>("[aria-invalid='true']")?.focus(), 0);
}
