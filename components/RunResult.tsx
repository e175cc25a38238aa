import { FailureReason } from "./FailureReason.tsx";
import { nonZeroCounts, runStatusText, runTone } from "./run_words.ts";
import type { RunResultView } from "./sync_view.ts";

/** The engine's summary of a partial run, which the list of failures says better. */
const COUNT_ONLY = /^\d+ events? could not be copied$/;

/** The counts of a finished run and the reasons of its failures, the first few on a card. */
export function RunResult({ result, shown = 10 }: { result: RunResultView; shown?: number }) {
  const failures = result.failures ?? [];
  return (
    <div class={`run-result run-result--${runTone(result)}`} role="status">
      <p>
        <strong>{runStatusText(result)}</strong> — {nonZeroCounts(result)}.
      </p>
      {result.error && !(failures.length && COUNT_ONLY.test(result.error)) && (
        <p>
          <FailureReason reason={result.error} />
        </p>
      )}
      <FailureList failures={failures} shown={shown} />
    </div>
  );
}

/** Each event that was not copied and why: the first `shown`, then how many more. */
export function FailureList(
  { failures, shown }: { failures: NonNullable<RunResultView["failures"]>; shown: number },
) {
  if (failures.length === 0) return null;
  return (
    <ul class="run-result__failures">
      {failures.slice(0, shown).map((f, i) => (
        <li key={i}>
          {f.summary ? <strong>{f.summary}:</strong> : null} <FailureReason reason={f.reason} />
        </li>
      ))}
      {failures.length > shown && <li>…and {failures.length - shown} more.</li>}
    </ul>
  );
}
