import { countsText, type RunResultView, statusText, statusTone } from "./sync_view.ts";

/** The counts of a finished run and the reasons of its failures. */
export function RunResult({ result }: { result: RunResultView }) {
  const failures = result.failures ?? [];
  return (
    <div class={`run-result run-result--${statusTone(result.status)}`} role="status">
      <p>
        <strong>{statusText(result.status)}:</strong> {countsText(result)}.
      </p>
      {result.error && <p>{result.error}</p>}
      {failures.length > 0 && (
        <ul class="run-result__failures">
          {failures.slice(0, 10).map((f, i) => (
            <li key={i}>
              {f.summary ? <strong>{f.summary}:</strong> : null} {f.reason}
            </li>
          ))}
          {failures.length > 10 && <li>…and {failures.length - 10} more.</li>}
        </ul>
      )}
    </div>
  );
}
