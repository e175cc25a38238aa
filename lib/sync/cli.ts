/**
 * `deno task sync`: runs every due sync config once and exits, for operators and external
 * schedulers. Progress goes to stderr; the summary (a table, or JSON with `--json`) to stdout.
 */
import { parseArgs } from "node:util";
import { type Config, ConfigError, loadConfig } from "@/lib/config.ts";
import { migrate } from "@/lib/db/migrate.ts";
import { type Db, openDb } from "@/lib/db/mod.ts";
import type { SyncConfigRow } from "@/lib/db/sync_configs.ts";
import { createServices } from "@/lib/services.ts";
import type { PlannedChange } from "./engine.ts";
import { runCountsOf } from "./run_result.ts";
import { recoverSyncLeases } from "./lease.ts";
import {
  type ConfigRun,
  type RunDueOptions,
  runDueSyncs,
  runFailed,
  runSkipped,
  UnknownConfigError,
} from "./scheduler.ts";

export const USAGE = `Usage: deno task sync [options]

Runs every sync config that is due once, then exits (for cron or another scheduler).

Options:
  --config ID   run this config only, whatever its schedule
  --all         run every active config once, due or not
  --dry-run     print what would be created, updated and deleted; write nothing
  --json        print the outcome as JSON instead of a table
  --limit N     run at most N configs (no limit unless given)
  -h, --help    show this help

Several processes (the app's scheduler, other \`deno task sync\`) may run at once:
each config runs in one of them, and one that another process ran or is running
is reported as skipped. Progress goes to stderr, the summary to stdout. Exit
status: 0 when no run failed, 1 when any run failed or could not start, 2 for a
usage error.
Settings come from the environment, as for the app (DATABASE_URL, DATA_DIR,
GOOGLE_ROOT_URL, SANDBOX_PORT, ...). With the Google sandbox, the app (or
\`deno task sandbox\`) must be running.`;

/** What the command line asks for. */
export interface CliArgs {
  configId?: string;
  all: boolean;
  dryRun: boolean;
  json: boolean;
  /** Most configs run; no cap when absent. */
  limit?: number;
  help: boolean;
}

export class UsageError extends Error {
  override name = "UsageError";
}

/** Parses the arguments; throws UsageError for anything it does not know. */
export function parseCliArgs(args: string[]): CliArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: "string" },
        all: { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        limit: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.config !== undefined && values.all) {
    throw new UsageError("Cannot use --config with --all: pick one");
  }
  if (values.config === "") throw new UsageError('Cannot use "--config": expected a config id');
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!/^\d+$/.test(values.limit) || limit < 1) {
      throw new UsageError(
        `Cannot parse "--limit": expected a whole number, got "${values.limit}"`,
      );
    }
  }
  return {
    configId: values.config,
    all: values.all,
    dryRun: values["dry-run"],
    json: values.json,
    limit,
    help: values.help,
  };
}

/** Where Google's clients go, after checking that a sandbox answers there. */
async function googleRoot(config: Config): Promise<string | undefined> {
  if (!config.googleSandbox) return config.googleRootUrl;
  const root = config.googleRootUrl ?? `http://127.0.0.1:${config.sandboxPort}/`;
  try {
    const res = await fetch(root, { signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
  } catch {
    throw new CliError(
      `Cannot reach the Google sandbox at ${root}: start the app (deno task start) or the ` +
        `sandbox alone (deno task sandbox) first, or point GOOGLE_ROOT_URL at a running one`,
    );
  }
  return root;
}

class CliError extends Error {}

async function openDatabase(config: Config): Promise<Db> {
  if (!config.databaseUrl) {
    // Embedded PGlite has no locking: a second process on the same files corrupts them.
    const pid = `${config.dataDir}/pglite/postmaster.pid`;
    if (await exists(pid)) {
      throw new CliError(
        `Cannot open the embedded database in ${config.dataDir}: another process (the app?) has ` +
          `it open. Stop it and run the sandbox alone (deno task sandbox), or use PostgreSQL ` +
          `(DATABASE_URL). If no process has it open, delete ${pid}`,
      );
    }
  }
  const db = await openDb(config.databaseUrl, config.dataDir);
  await prepareDatabase(db);
  return db;
}

async function prepareDatabase(db: Db): Promise<void> {
  await migrate(db);
  await recoverSyncLeases(db);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Text from calendars (titles, calendar names) and from Google, made safe for a terminal: control
 * characters (C0, DEL, C1) and the Unicode bidirectional controls are shown as escapes, so an
 * event titled with `\x1b[2J`, a newline or a right-to-left override can neither drive the
 * terminal nor forge a line of the plan. Everything the human format prints goes through here;
 * `--json` is escaped by JSON itself.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (ch) => {
    const named = NAMED_ESCAPES[ch];
    if (named) return named;
    const code = ch.codePointAt(0)!;
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

// C0 and DEL, C1, and the bidi marks, embeddings, overrides and isolates (ALM, LRM/RLM,
// LRE…RLO, LRI…PDI). A backslash stays as it is: a title typed as "\n" is odd, not a new line.
// deno-lint-ignore no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

const label = (c: SyncConfigRow) =>
  `"${printable(c.source_calendar_name || c.source_calendar_id)}" → "${
    printable(c.dest_calendar_name || c.dest_calendar_id)
  }" (${c.id})`;

function statusOf(run: ConfigRun): string {
  if (runSkipped(run)) return "skipped";
  if (run.error !== undefined) return "error";
  return run.result!.status;
}

/** The `--json` form of one config's outcome. */
export function runJson(run: ConfigRun) {
  const r = run.result;
  return {
    config_id: run.config.id,
    user_id: run.config.user_id,
    source_calendar_name: run.config.source_calendar_name,
    dest_calendar_name: run.config.dest_calendar_name,
    status: statusOf(run),
    sync_log_id: r?.sync_log_id ?? null,
    ...runCountsOf(r),
    duration_ms: r?.duration_ms ?? 0,
    error: run.inProgress
      ? "A sync of this config is already in progress"
      : run.ranElsewhere
      ? "Another process ran it during this pass"
      : run.error ?? r?.error ?? null,
    failures: r?.failures ?? [],
    ...(r?.plan ? { plan: r.plan } : {}),
  };
}

/** The human summary: one row per config, then (dry run) each config's plan. */
export function summaryTable(runs: ConfigRun[], dryRun: boolean): string {
  if (runs.length === 0) {
    return dryRun ? "No sync config is due: nothing to plan." : "No sync config is due.";
  }
  const head = [
    "CONFIG",
    "SOURCE → DESTINATION",
    "STATUS",
    dryRun ? "CREATE" : "CREATED",
    dryRun ? "UPDATE" : "UPDATED",
    dryRun ? "DELETE" : "DELETED",
    "SKIPPED",
    "FAILED",
    "OVERWRITTEN",
    "CALLS",
    "MS",
  ];
  const rows = runs.map((run) => tableRow(run, dryRun));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = (i: number) => i >= 3;
  const line = (cells: string[]) =>
    cells.map((c, i) => numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])).join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line), ...problemLines(runs), ...(dryRun ? planLines(runs) : [])]
    .join("\n");
}

function tableRow(run: ConfigRun, dryRun: boolean): string[] {
  const j = runJson(run);
  const plan = run.result?.plan ?? [];
  const count = (action: PlannedChange["action"]) => plan.filter((p) => p.action === action).length;
  return [
    run.config.id.slice(0, 8),
    `${printable(j.source_calendar_name)} → ${printable(j.dest_calendar_name)}`,
    j.status,
    String(dryRun ? count("create") : j.events_created),
    String(dryRun ? count("update") : j.events_updated),
    String(dryRun ? count("delete") : j.events_deleted),
    String(j.events_skipped),
    String(j.events_failed),
    String(j.events_overwritten),
    String(j.api_calls),
    String(j.duration_ms),
  ];
}

/** What went wrong, one line per config that did not simply succeed. */
function problemLines(runs: ConfigRun[]): string[] {
  const out: string[] = [];
  for (const run of runs) {
    const problem = runJson(run).error;
    if (
      problem && (run.error !== undefined || runSkipped(run) || run.result?.status !== "success")
    ) {
      out.push(`${run.config.id.slice(0, 8)}: ${printable(problem)}`);
    }
  }
  return out;
}

/** Each config's plan, for a dry run. */
function planLines(runs: ConfigRun[]): string[] {
  const out: string[] = [];
  for (const run of runs) {
    const plan = run.result?.plan ?? [];
    out.push("", `Plan for ${label(run.config)}: ${plan.length ? "" : "nothing to do"}`.trimEnd());
    for (const p of plan) {
      const when = p.start ? `  ${printable(p.start)}${p.end ? ` → ${printable(p.end)}` : ""}` : "";
      out.push(
        `  ${p.action.padEnd(6)}  ${p.summary ? printable(p.summary) : "(no title)"}${when}`,
      );
    }
  }
  return out;
}

/** How many configs ran (failed among them), and how many were left to other processes. */
export function countRuns(runs: ConfigRun[]): { ran: number; skipped: number; failed: number } {
  const skipped = runs.filter(runSkipped).length;
  return { ran: runs.length - skipped, skipped, failed: runs.filter(runFailed).length };
}

/** The last line of the human summary: `1200 ran, 0 skipped, 0 failed`, and a limit if it bit. */
export function summaryLine(
  counts: { ran: number; skipped: number; failed: number },
  cli: Pick<CliArgs, "limit" | "dryRun">,
): string {
  const capped = cli.limit !== undefined && counts.ran >= cli.limit
    ? ` (stopped at --limit ${cli.limit}; more may be due)`
    : "";
  return `${counts.ran} ${cli.dryRun ? "planned" : "ran"}, ${counts.skipped} skipped, ` +
    `${counts.failed} failed${capped}`;
}

/** Runs the command; returns the exit status. Only the summary reaches stdout. */
export async function main(args: string[]): Promise<number> {
  const log = console.log;
  // Logs and notices of the libraries (e.g. generated dev secrets) must not spoil `--json`.
  console.log = console.error;
  try {
    // The pass began when the process did: with --all, a config claimed since then (here, or by
    // another pass started alongside, which may open the database first) is not run again.
    return await runCli(args, { started: new Date(performance.timeOrigin) });
  } finally {
    console.log = log;
  }
}

/** What `runCli` talks to; the process's own (environment, stdout, stderr) unless given. */
export interface CliDeps {
  /** The settings, as environment variables. */
  env?: Record<string, string>;
  /** Prints one line of the summary. */
  print?: (line: string) => void;
  /** Writes progress and problems, as they are (line ends included). */
  stderr?: (text: string) => void;
  /**
   * An open database to use instead of the configured one: migrated and its stale leases
   * recovered as the command does, but left open.
   */
  db?: Db;
  /** When the pass began (now unless given): see `RunDueOptions.since`. */
  started?: Date;
}

/**
 * The command, in this process: `main` runs it with the process's environment and streams,
 * tests with their own (no subprocess to start, no database to open again).
 */
export async function runCli(args: string[], deps: CliDeps = {}): Promise<number> {
  const print = deps.print ?? printToStdout;
  const stderr = deps.stderr ?? writeToStderr;
  const tty = !deps.stderr && Deno.stderr.isTerminal();
  const started = deps.started ?? new Date();
  let cli: CliArgs;
  try {
    cli = parseCliArgs(args);
  } catch (err) {
    stderr(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (cli.help) {
    print(USAGE);
    return 0;
  }
  let config: Config;
  try {
    config = await loadConfig(deps.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    stderr(`${err.message}\n`);
    return 1;
  }
  let db: Db | undefined;
  const progress = new Progress(stderr, tty);
  try {
    const root = await googleRoot(config);
    let services;
    if (deps.db) {
      await prepareDatabase(deps.db);
      services = createServices(config, deps.db, root);
    } else {
      db = await openDatabase(config);
      services = createServices(config, db, root);
    }
    const runs = await runDueSyncs(services, passOptions(cli, started, progress));
    progress.close();
    return report(runs, cli, print);
  } catch (err) {
    if (err instanceof CliError || err instanceof UnknownConfigError) {
      stderr(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    progress.close();
    await db?.close();
  }
}

function printToStdout(text: string) {
  writeAll(Deno.stdout, `${text}\n`);
}

function writeToStderr(text: string) {
  writeAll(Deno.stderr, text);
}

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string) {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
}

/**
 * The progress lines on stderr. To a terminal each goes at once; to a file or a pipe they are
 * gathered and written every PROGRESS_FLUSH_MS (or 16 KiB): two lines per config, one write
 * each, cost a fast pass a few percent of its CPU.
 */
class Progress {
  #pending = "";
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly send: (text: string) => void, readonly tty: boolean) {}

  write(text: string) {
    if (this.tty) return this.send(text);
    this.#pending += text;
    if (this.#pending.length >= 16_384) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), PROGRESS_FLUSH_MS);
  }

  flush() {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const text = this.#pending;
    this.#pending = "";
    if (text) this.send(text);
  }

  /** Writes what is left; nothing is held after this. */
  close() {
    this.flush();
  }
}

const PROGRESS_FLUSH_MS = 200;

/** The pass the command runs, telling its progress on stderr. */
function passOptions(cli: CliArgs, started: Date, out: Progress): RunDueOptions {
  const tty = out.tty;
  const progress = (text: string) => out.write(text);
  return {
    owner: `cli:${crypto.randomUUID()}`,
    limit: cli.limit,
    trigger: "cli",
    all: cli.all,
    since: started,
    reportSkipped: true,
    configId: cli.configId,
    dryRun: cli.dryRun,
    onStart: (c) => progress(`${cli.dryRun ? "Planning" : "Syncing"} ${label(c)}\n`),
    onProgress: (_c, done, total) => {
      if (tty) progress(`\r  ${done}/${total} writes`);
      else if (done === total || done % 100 === 0) progress(`  ${done}/${total} writes\n`);
    },
    onEnd: (run) => progress(`${tty ? "\r\x1b[K" : ""}  ${endLine(runJson(run))}\n`),
  };
}

/** One config's outcome as the progress on stderr tells it. */
function endLine(j: ReturnType<typeof runJson>): string {
  return `${j.status}: ${j.events_created} created, ` +
    `${j.events_updated} updated, ${j.events_deleted} deleted, ${j.events_skipped} ` +
    `skipped, ${j.events_failed} failed, ` +
    (j.events_overwritten ? `${j.events_overwritten} overwritten, ` : "") +
    `${j.api_calls} API calls, ${j.duration_ms} ms` +
    `${j.error ? ` (${printable(j.error)})` : ""}`;
}

/** Prints the summary (or the JSON); returns the exit status. */
function report(runs: ConfigRun[], cli: CliArgs, print: (text: string) => void): number {
  const counts = countRuns(runs);
  if (cli.json) {
    print(JSON.stringify({ dry_run: cli.dryRun, ...counts, runs: runs.map(runJson) }, null, 2));
  } else {
    print(summaryTable(runs, cli.dryRun));
    if (runs.length) print(summaryLine(counts, cli));
  }
  return counts.failed > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
