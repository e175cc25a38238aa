import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { Frozen } from "@/components/Frozen.tsx";
import { parsePick } from "@/components/sync_view.ts";
import {
  IntervalField,
  MarkingFields,
  MoreOptionsFields,
} from "@/components/SyncOptionsFields.tsx";
import {
  optionsFromForm,
  type OptionsView,
  previewSentence,
} from "@/components/sync_options_form.ts";

interface Preview {
  counts: { create: number; update: number; delete: number; skip: number };
  removals: number;
  create: { summary: string | null }[];
}

/** The options of a new sync before it is created: every one at its default. */
export const NEW_SYNC_OPTIONS: Omit<OptionsView, "sync_lookahead_days"> = {
  privacy: "full",
  busy_title: "Busy",
  copy_description: true,
  copy_location: true,
  copy_color: true,
  title_prefix: "",
  dest_color_id: null,
  sync_interval_minutes: 15,
  filters: {
    skip_declined: false,
    skip_free: false,
    skip_all_day: false,
    skip_tentative: false,
    include_titles: [],
    exclude_titles: [],
    event_types: ["default", "outOfOffice", "focusTime"],
  },
};

/**
 * The New sync form's options: privacy and marking up front, the rest under "More options",
 * and a live preview of the first run once both calendars are picked. Fields of the enclosing
 * form, so the create (with or without JavaScript) posts them.
 */
export default function NewSyncOptions({ defaultDays }: { defaultDays: number }) {
  const box = useRef<HTMLDivElement>(null);
  const preview = useSignal<Preview | null>(null);
  const problem = useSignal<string | null>(null);

  useEffect(() => {
    const form = box.current?.closest("form");
    if (!form) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const changed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => refresh(form), 400);
    };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    return () => {
      form.removeEventListener("input", changed);
      form.removeEventListener("change", changed);
    };
  }, []);

  async function refresh(form: HTMLFormElement) {
    const data = new FormData(form);
    const source = parsePick(String(data.get("source") ?? ""));
    const dest = parsePick(String(data.get("dest") ?? ""));
    if (!source.calendar_id || !dest.calendar_id) return;
    const picked = {
      source_account_id: source.account_id || undefined,
      source_calendar_id: source.calendar_id,
      dest_account_id: dest.account_id || undefined,
      dest_calendar_id: dest.calendar_id,
    };
    const res = await fetch("/api/sync/preview", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ ...picked, ...optionsFromForm(data) }),
    }).catch(() => null);
    if (!res?.ok) {
      preview.value = null;
      problem.value = res ? null : "No preview: the server cannot be reached.";
      return;
    }
    problem.value = null;
    preview.value = await res.json();
  }

  const options = { ...NEW_SYNC_OPTIONS, sync_lookahead_days: defaultDays };
  return (
    <div ref={box} class="new-sync-options">
      <Frozen>
        <MarkingFields idPrefix="new" options={options} />
        <details>
          <summary>More options</summary>
          <MoreOptionsFields idPrefix="new" options={options} />
          <IntervalField idPrefix="new" options={options} />
        </details>
      </Frozen>
      <div class="preview" aria-live="polite" data-testid="new-preview">
        {preview.value && (
          <>
            <p class="preview__sentence">
              {previewSentence(preview.value.counts, preview.value.removals)}
            </p>
            {preview.value.create[0] && (
              <p class="preview__example">
                Copies will look like: “{preview.value.create[0].summary}”
              </p>
            )}
          </>
        )}
        {problem.value && <p class="form__error">{problem.value}</p>}
      </div>
    </div>
  );
}
