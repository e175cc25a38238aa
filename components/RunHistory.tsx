import { FailureReason } from "./FailureReason.tsx";
import { FailureList } from "./RunResult.tsx";
import { runStatusText, runTone } from "./run_words.ts";
import { formatDuration, formatWhen, type RunLogView } from "./sync_view.ts";

const TRIGGERS: Record<string, string> = { manual: "Manual", schedule: "Scheduled", cli: "CLI" };
const SERIES = [
  { key: "events_created", label: "Created", tone: "created" },
  { key: "events_updated", label: "Updated", tone: "updated" },
  { key: "events_deleted", label: "Deleted", tone: "deleted" },
] as const;

/** A config's runs: a small created/updated/deleted chart over time, then the table. */
export function RunHistory({ runs, local = false }: { runs: RunLogView[]; local?: boolean }) {
  if (runs.length === 0) {
    return <p class="empty">No runs yet. Press “Sync now” to run this sync for the first time.</p>;
  }
  return (
    <>
      <RunChart runs={runs} local={local} />
      {/* A region that scrolls sideways on a narrow screen: focusable, so keys scroll it too. */}
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Runs, newest first">
        <table class="runs">
          <caption class="visually-hidden">Runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Trigger</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">Created</th>
              <th scope="col" class="num">Updated</th>
              <th scope="col" class="num">Deleted</th>
              <th scope="col" class="num">Skipped</th>
              <th scope="col" class="num">Failed</th>
              <th
                scope="col"
                class="num"
                title="Copies someone had edited in the destination, put back to match the source"
              >
                Overwritten
              </th>
              <th scope="col" class="num">Duration</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id}>
                <td data-label="Time">
                  <time dateTime={run.started_at}>{formatWhen(run.started_at, local)}</time>
                </td>
                <td data-label="Trigger">{TRIGGERS[run.trigger] ?? run.trigger}</td>
                <td data-label="Status">
                  <span class={`badge badge--${runTone(run)}`}>{runStatusText(run)}</span>
                </td>
                <td class="num" data-label="Created">{run.events_created}</td>
                <td class="num" data-label="Updated">{run.events_updated}</td>
                <td class="num" data-label="Deleted">{run.events_deleted}</td>
                <td class="num" data-label="Skipped">{run.events_skipped}</td>
                <td class="num" data-label="Failed">{run.events_failed}</td>
                <td class="num" data-label="Overwritten">{run.events_overwritten}</td>
                <td class="num" data-label="Duration">{formatDuration(run.duration_ms)}</td>
                <td class="runs__error" data-label="Error">
                  {run.error && <FailureReason reason={run.error} />}
                  <FailureList failures={run.failures ?? []} shown={Infinity} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Grouped bars per run, oldest on the left; the table beside it carries the same numbers. */
function RunChart({ runs, local }: { runs: RunLogView[]; local: boolean }) {
  const shown = runs.slice(0, 20).reverse();
  const max = Math.max(1, ...shown.flatMap((r) => SERIES.map((s) => r[s.key])));
  const width = 320;
  const height = 120;
  const top = 8;
  const bottom = 18;
  const left = 28;
  const slot = (width - left) / shown.length;
  const bar = Math.max(2, Math.min(12, (slot - 4) / 3));
  const y = (value: number) => top + (height - top - bottom) * (1 - value / max);
  const summary = `Created, updated and deleted events for the last ${shown.length} run(s); ` +
    `the most in one run was ${max}.`;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={summary}
        class="chart__svg"
      >
        <line class="chart__axis" x1={left} x2={width} y1={y(0)} y2={y(0)} />
        <text class="chart__label" x={left - 4} y={y(max) + 4} text-anchor="end">{max}</text>
        <text class="chart__label" x={left - 4} y={y(0)} text-anchor="end">0</text>
        <text class="chart__label" x={left} y={height - 4}>
          {formatWhen(shown[0].started_at, local)}
        </text>
        {shown.length > 1 && (
          <text class="chart__label" x={width} y={height - 4} text-anchor="end">
            {formatWhen(shown[shown.length - 1].started_at, local)}
          </text>
        )}
        {shown.map((run, i) => {
          const x0 = left + i * slot + (slot - bar * 3) / 2;
          return (
            <g key={run.id}>
              <title>
                {`${
                  formatWhen(run.started_at, local)
                }: ${run.events_created} created, ${run.events_updated} updated, ${run.events_deleted} deleted`}
              </title>
              {SERIES.map((s, j) => (
                <rect
                  key={s.key}
                  class={`chart__bar chart__bar--${s.tone}`}
                  x={x0 + j * bar}
                  y={y(run[s.key])}
                  width={bar - 1}
                  height={Math.max(run[s.key] > 0 ? 1 : 0, y(0) - y(run[s.key]))}
                />
              ))}
              {SERIES.every((s) => run[s.key] === 0) && (
                // A run that changed nothing still ran: a dot on the axis says so.
                <circle class="chart__none" cx={x0 + bar * 1.5} cy={y(0) - 2} r={2} />
              )}
            </g>
          );
        })}
      </svg>
      <figcaption class="chart__legend">
        {SERIES.map((s) => (
          <span key={s.key} class="chart__key">
            <svg viewBox="0 0 10 10" width="10" height="10" aria-hidden="true">
              <rect class={`chart__bar--${s.tone}`} width="10" height="10" />
            </svg>
            {s.label}
          </span>
        ))}
        <span class="chart__key">
          <svg viewBox="0 0 10 10" width="10" height="10" aria-hidden="true">
            <circle class="chart__none" cx="5" cy="5" r="3" />
          </svg>
          No changes
        </span>
        <span class="muted">per run, oldest left</span>
      </figcaption>
    </figure>
  );
}
