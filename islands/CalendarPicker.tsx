import type { CalendarOption } from "@/components/sync_view.ts";

interface CalendarPickerProps {
  name: string;
  label: string;
  calendars: CalendarOption[];
  value: string;
  onChange?: (id: string) => void;
  /** Offer only calendars the account can write to (the others are shown, disabled). */
  writableOnly?: boolean;
  /** A calendar that may not be picked here, e.g. the one picked on the other side. */
  excludeId?: string;
  disabled?: boolean;
  error?: string;
}

const FALLBACK_COLOR = "#9aa0a6";

/** A labelled calendar select with the chosen calendar's colour beside it. */
export default function CalendarPicker(props: CalendarPickerProps) {
  const id = `${props.name}-picker`;
  const errorId = `${id}-error`;
  const chosen = props.calendars.find((c) => c.id === props.value);
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
          {props.calendars.map((c) => {
            const readOnly = props.writableOnly && !c.writable;
            const taken = c.id === props.excludeId;
            const note = readOnly ? " (read-only)" : taken ? " (chosen as source)" : "";
            return (
              <option key={c.id} value={c.id} disabled={readOnly || taken} selected={c === chosen}>
                {`${c.summary}${c.primary ? " (primary)" : ""}${note}`}
              </option>
            );
          })}
        </select>
      </div>
      {props.error && <p id={errorId} class="field__error">{props.error}</p>}
    </div>
  );
}
