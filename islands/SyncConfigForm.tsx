import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import CalendarPicker from "@/islands/CalendarPicker.tsx";
import NewSyncOptions from "@/islands/NewSyncOptions.tsx";
import { optionsFromForm } from "@/components/sync_options_form.ts";
import {
  arrowOf,
  type CalendarGroupOption,
  CREATED_EVENT,
  DIRECTION_CHOICES,
  directionHint,
  parsePick,
  pickerField,
  readApiError,
  sideName,
  type SyncView,
} from "@/components/sync_view.ts";

export interface SyncConfigFormProps {
  /** Every connected account's calendars, one group each. */
  groups: CalendarGroupOption[];
  defaultDays: number;
  /** What the no-JavaScript post sent back with its errors. */
  values?: { source?: string; dest?: string; sync_lookahead_days?: string; direction?: string };
  fields?: Record<string, string>;
  formError?: string | null;
}

/** Picks a source and a destination calendar of any connected accounts and creates the sync. */
export default function SyncConfigForm(props: SyncConfigFormProps) {
  const source = useSignal(props.values?.source ?? "");
  const dest = useSignal(props.values?.dest ?? "");
  const days = useSignal(props.values?.sync_lookahead_days ?? String(props.defaultDays));
  const direction = useSignal(props.values?.direction === "two_way" ? "two_way" : "one_way");
  const fields = useSignal<Record<string, string>>(props.fields ?? {});
  const message = useSignal<{ text: string; error: boolean } | null>(
    props.formError ? { text: props.formError, error: true } : null,
  );
  const busy = useSignal(false);

  const ready = props.groups.length > 0;
  const calendarsError = props.groups.map((g) => g.error).find(Boolean) ?? null;

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
          source_account_id: parsePick(source.value).account_id || undefined,
          source_calendar_id: parsePick(source.value).calendar_id,
          dest_account_id: parsePick(dest.value).account_id || undefined,
          dest_calendar_id: parsePick(dest.value).calendar_id,
          ...optionsFromForm(new FormData(form)),
          sync_lookahead_days: days.value === "" ? undefined : Number(days.value),
          direction: direction.value,
        }),
      });
      if (!res.ok) {
        const problem = await readApiError(res);
        fields.value = Object.fromEntries(
          Object.entries(problem.fields).map(([name, text]) => [pickerField(name), sentence(text)]),
        );
        const known = ["source", "dest", "sync_lookahead_days", "direction"];
        const placed = Object.keys(fields.value).some((name) => known.includes(name));
        message.value = placed
          ? { text: "Please correct the marked field.", error: true }
          : { text: problem.message, error: true };
        if (placed) focusFirstError(form);
        return;
      }
      const config = await res.json() as SyncView;
      fields.value = {};
      message.value = {
        text: `Sync created: ${
          sideName(config.source_calendar_name, config.source_account_email)
        } ${arrowOf(config.direction)} ${
          sideName(config.dest_calendar_name, config.dest_account_email)
        }.`,
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
          Connect a Google account above first; then pick the calendar to copy from and the one to
          copy into (both may be in one account).
        </p>
      )}
      {ready && calendarsError && <p class="form__error" role="alert">{calendarsError}</p>}
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
          name="source"
          label="Source calendar"
          groups={props.groups}
          value={source.value}
          onChange={(value) => source.value = value}
          error={fields.value.source}
        />
        <CalendarPicker
          name="dest"
          label="Destination calendar"
          groups={props.groups}
          value={dest.value}
          onChange={(value) => dest.value = value}
          writableOnly
          excludeValue={source.value}
          error={fields.value.dest}
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
        <DirectionChoice
          value={direction.value}
          onChange={(v) => direction.value = v}
          error={fields.value.direction}
        />
        <NewSyncOptions defaultDays={props.defaultDays} />
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

/**
 * One way or both ways, one sentence each (the Edit dialog offers the same choice). The sentence
 * follows the privacy mode picked in the same form: in busy mode copies are read-only.
 */
export function DirectionChoice(
  props: { value: string; onChange: (v: string) => void; error?: string; idPrefix?: string },
) {
  const prefix = props.idPrefix ?? "direction";
  const box = useRef<HTMLFieldSetElement>(null);
  const privacy = useSignal<string>("full");
  const read = () => {
    const field = box.current?.form?.elements.namedItem("privacy") as RadioNodeList | null;
    privacy.value = field?.value || "full";
  };
  // After every render too: the Edit dialog puts its fields back when it opens, firing no event.
  useEffect(read);
  useEffect(() => {
    const form = box.current?.form;
    if (!form) return;
    form.addEventListener("change", read);
    form.addEventListener("input", read);
    return () => {
      form.removeEventListener("change", read);
      form.removeEventListener("input", read);
    };
  }, []);
  return (
    <fieldset
      ref={box}
      class="field choice"
      aria-describedby={props.error ? `${prefix}-error` : undefined}
    >
      <legend>Direction</legend>
      {DIRECTION_CHOICES.map((c) => (
        <div key={c.value} class="choice__option">
          <input
            id={`${prefix}-${c.value}`}
            type="radio"
            name="direction"
            value={c.value}
            checked={props.value === c.value}
            onChange={() => props.onChange(c.value)}
            aria-describedby={`${prefix}-${c.value}-hint`}
          />
          <label for={`${prefix}-${c.value}`}>{c.label}</label>
          <p id={`${prefix}-${c.value}-hint`} class="field__hint">
            {directionHint(c.value, privacy.value)}
          </p>
        </div>
      ))}
      {props.error && <p id={`${prefix}-error`} class="field__error">{props.error}</p>}
    </fieldset>
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
