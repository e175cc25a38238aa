import { useSignal } from "@preact/signals";
import { useRef } from "preact/hooks";
import { Dialog } from "@/components/Dialog.tsx";
import { Frozen } from "@/components/Frozen.tsx";
import { SyncOptionsFields } from "@/components/SyncOptionsFields.tsx";
import { optionsFromForm, previewSentence } from "@/components/sync_options_form.ts";
import { readApiError, type SyncView } from "@/components/sync_view.ts";
import { DirectionChoice } from "@/islands/SyncConfigForm.tsx";

interface Props {
  sync: SyncView;
  /** The sync as its card names it. */
  name: string;
  onSaved: (sync: SyncView) => void;
}

interface PreviewView {
  counts: { create: number; update: number; delete: number; skip: number };
  removals: number;
  create: { summary: string | null; start: string | null }[];
  update: { summary: string | null; start: string | null }[];
  delete: { summary: string | null; start: string | null }[];
}

/**
 * A sync card's Edit action: every option in a dialog, a live preview of what saving would do
 * (the server's planner, nothing written), and Save — which asks for a confirmation when copies
 * would be removed, and then tells the server so (the run is not held for review again).
 */
export default function SyncEditor({ sync, name, onSaved }: Props) {
  const open = useSignal(false);
  /** Counts the openings: the fields start again from the saved options each time. */
  const opened = useSignal(0);
  const preview = useSignal<PreviewView | null>(null);
  const previewing = useSignal(false);
  const confirmed = useSignal(false);
  const problem = useSignal<string | null>(null);
  const saving = useSignal(false);
  const direction = useSignal<string>(sync.direction ?? "one_way");
  const form = useRef<HTMLFormElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  function body() {
    return optionsFromForm(new FormData(form.current!));
  }

  async function refresh() {
    previewing.value = true;
    problem.value = null;
    try {
      const res = await fetch(`/api/sync/config/${sync.id}/preview`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body()),
      });
      if (!res.ok) throw new Error((await readApiError(res)).message);
      preview.value = await res.json();
      confirmed.value = false;
    } catch (e) {
      problem.value = `No preview: ${(e as Error).message}`;
    } finally {
      previewing.value = false;
    }
  }

  function changed() {
    clearTimeout(timer.current);
    timer.current = setTimeout(refresh, 400);
  }

  async function save(event: Event) {
    event.preventDefault();
    saving.value = true;
    problem.value = null;
    try {
      const removes = preview.value?.removals ?? 0;
      const res = await fetch(`/api/sync/config/${sync.id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          ...body(),
          direction: direction.value,
          ...(removes > 0 ? { confirm_removals: true } : {}),
        }),
      });
      if (!res.ok) {
        const err = await readApiError(res);
        const fields = Object.entries(err.fields).map(([k, v]) => `${k}: ${v}`).join("; ");
        throw new Error(fields || err.message);
      }
      onSaved({ ...sync, ...await res.json() });
      open.value = false;
    } catch (e) {
      problem.value = `Not saved: ${(e as Error).message}`;
    } finally {
      saving.value = false;
    }
  }

  const removes = preview.value?.removals ?? 0;
  return (
    <>
      <a
        class="button button--quiet"
        href={`/syncs/${sync.id}#options`}
        onClick={(event) => {
          event.preventDefault();
          open.value = true;
          opened.value++;
          direction.value = sync.direction ?? "one_way";
          preview.value = null;
          setTimeout(refresh, 0);
        }}
      >
        Edit<span class="visually-hidden">{` ${name}`}</span>
      </a>
      <Dialog
        id={`edit-${sync.id}`}
        title={`Edit the sync ${name}`}
        open={open.value}
        onClose={() => open.value = false}
        wide
      >
        <form class="form" ref={form} onInput={changed} onChange={changed} onSubmit={save}>
          {
            /* Rendered afresh each time the dialog opens (keyed), never while it is edited. */
          }
          <Frozen key={String(opened.value)}>
            <SyncOptionsFields idPrefix={`edit-${sync.id}`} options={sync} />
          </Frozen>
          <DirectionChoice
            idPrefix={`edit-${sync.id}-direction`}
            value={direction.value}
            onChange={(v) => direction.value = v}
          />
          <div class="preview" aria-live="polite" data-testid="preview">
            {previewing.value && !preview.value && <p>Working out what would change…</p>}
            {preview.value && (
              <>
                <p class="preview__sentence">
                  {previewSentence(preview.value.counts, preview.value.removals)}
                </p>
                {preview.value.create.length > 0 && (
                  <p class="preview__example">
                    Copies will look like: “{preview.value.create[0].summary}”
                  </p>
                )}
                {preview.value.create.length === 0 && preview.value.update.length > 0 && (
                  <p class="preview__example">
                    Copies will look like: “{preview.value.update[0].summary}”
                  </p>
                )}
              </>
            )}
          </div>
          {removes > 0 && (
            <label class="check">
              <input
                type="checkbox"
                name="confirm_removals"
                checked={confirmed.value}
                onChange={(e) => confirmed.value = (e.currentTarget as HTMLInputElement).checked}
              />
              <span>{`Yes, remove ${removes} cop${removes === 1 ? "y" : "ies"}`}</span>
            </label>
          )}
          {problem.value && <p class="form__error" role="alert">{problem.value}</p>}
          <div class="form__actions">
            <button
              type="submit"
              class="button"
              disabled={saving.value || previewing.value || (removes > 0 && !confirmed.value)}
            >
              {saving.value ? "Saving…" : "Save"}
            </button>
            <button type="button" class="button button--quiet" onClick={() => open.value = false}>
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
