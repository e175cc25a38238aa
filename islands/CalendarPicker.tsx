import { type CalendarGroupOption, parsePick, pickValue } from "@/components/sync_view.ts";

interface CalendarPickerProps {
  name: string;
  label: string;
  /** The calendars of every connected account, one `<optgroup>` per account. */
  groups: CalendarGroupOption[];
  /** `account id:calendar id` (see pickValue). */
  value: string;
  onChange?: (value: string) => void;
  /** Offer only calendars the account can write to (the others are shown, disabled). */
  writableOnly?: boolean;
  /** A value that may not be picked here, e.g. the one picked on the other side. */
  excludeValue?: string;
  disabled?: boolean;
  error?: string;
}

const FALLBACK_COLOR = "#9aa0a6";

/** A labelled calendar select, grouped by account, with the chosen calendar's colour beside it. */
export default function CalendarPicker(props: CalendarPickerProps) {
  const id = `${props.name}-picker`;
  const errorId = `${id}-error`;
  const picked = parsePick(props.value);
  const chosen = props.groups.find((g) => g.account_id === picked.account_id)?.calendars
    .find((c) => c.id === picked.calendar_id);
  const excluded = props.excludeValue ? parsePick(props.excludeValue).calendar_id : null;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <div class="picker">
        <svg class="swatch" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
          <circle cx="8" cy="8" r="7" fill={chosen?.background_color ?? FALLBACK_COLOR} />
        </svg>
        <select
          id={id}
          name={props.name}
          required
          disabled={props.disabled}
          aria-invalid={props.error ? "true" : undefined}
          aria-describedby={props.error ? errorId : undefined}
          onChange={(e) => props.onChange?.((e.currentTarget as HTMLSelectElement).value)}
        >
          <option value="" disabled selected={!chosen}>Choose a calendar</option>
          {props.groups.map((g) => (
            <optgroup
              key={g.account_id}
              label={g.status === "ok" ? g.email : `${g.email} (reconnect needed)`}
            >
              {g.calendars.map((c) => {
                const readOnly = props.writableOnly && !c.writable;
                // Calendar ids are Google's own: one calendar seen from two accounts is one.
                const taken = c.id === excluded;
                const note = readOnly ? " (read-only)" : taken ? " (chosen as source)" : "";
                const value = pickValue(g.account_id, c.id);
                return (
                  <option
                    key={value}
                    value={value}
                    disabled={readOnly || taken || g.status !== "ok"}
                    selected={c === chosen}
                  >
                    {`${c.summary}${c.primary ? " (primary)" : ""}${note}`}
                  </option>
                );
              })}
            </optgroup>
          ))}
        </select>
      </div>
      {props.error && <p id={errorId} class="field__error">{props.error}</p>}
    </div>
  );
}
