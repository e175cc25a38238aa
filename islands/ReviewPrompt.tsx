import { useSignal } from "@preact/signals";
import { readApiError, type SyncView } from "@/components/sync_view.ts";
import { approvedMessage, heldMessage } from "@/lib/sync/review_words.ts";

interface Props {
  sync: SyncView;
  onAnswered: (sync: SyncView) => void;
}

/**
 * A run held by the mass-deletion guard: "This run would remove N copies", with Remove them
 * (the next run, due now, removes them) and Keep them and pause. Once approved, it says the next
 * run removes them (pausing still keeps them). Plain forms without JavaScript.
 */
export default function ReviewPrompt({ sync, onAnswered }: Props) {
  const problem = useSignal<string | null>(null);
  const busy = useSignal(false);

  async function answer(event: SubmitEvent) {
    event.preventDefault();
    const action = (event.submitter as HTMLButtonElement | null)?.value ?? "pause";
    busy.value = true;
    try {
      const res = await fetch(`/api/sync/config/${sync.id}/review`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ action }),
      });
      if (!res.ok) throw new Error((await readApiError(res)).message);
      onAnswered({ ...sync, ...await res.json() });
    } catch (e) {
      problem.value = (e as Error).message;
    } finally {
      busy.value = false;
    }
  }

  return (
    <div class="warning review" role={sync.deletions_approved ? "status" : "alert"}>
      {sync.deletions_approved
        ? (
          <p>
            <strong>{approvedMessage(sync.held_deletions)}</strong> from {sync.dest_calendar_name}.
          </p>
        )
        : (
          <p>
            <strong>{heldMessage(sync.held_deletions)}</strong> from{" "}
            {sync.dest_calendar_name}. Nothing was removed yet.
          </p>
        )}
      <form method="post" action={`/syncs/${sync.id}/review`} onSubmit={answer}>
        {!sync.deletions_approved && (
          <button
            type="submit"
            name="action"
            value="apply"
            class="button button--danger-solid"
            disabled={busy.value}
          >
            Remove them
          </button>
        )}{" "}
        <button
          type="submit"
          name="action"
          value="pause"
          class="button button--quiet"
          disabled={busy.value}
        >
          Keep them and pause
        </button>
      </form>
      {problem.value && <p class="form__error">{problem.value}</p>}
    </div>
  );
}
