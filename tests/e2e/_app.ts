/** Starts `main.ts` in sandbox mode as a child process, as `deno task start` would, for browser tests. */
import { join } from "node:path";
import { chromium, type Locator, type Page } from "playwright-core";
import type { DemoNames } from "@/lib/sandbox/mod.ts";
import { CHROMIUM } from "../_chromium.ts";
import { pgliteDataDir } from "../_db.ts";
import { freePort, type MainProcess, startMain } from "../_main_process.ts";

export const hasChromium = CHROMIUM !== undefined;

export const ARTIFACTS = new URL("../artifacts/", import.meta.url).pathname;

export interface RunningApp {
  /** The public origin, API_URL: `http://localhost:PORT`. */
  url: string;
  /** The same server under another name, as a person may type it: `http://127.0.0.1:PORT`. */
  otherUrl: string;
  sandboxUrl: string;
  close(): Promise<void>;
}

/**
 * The app and its Google sandbox as `deno task start` runs them, on free ports, over a
 * throw-away embedded database, under APP_ENV=test (`env` adds to the environment or overrides):
 * - the scheduler is off: a new sync is due at once, and its minute Deno.cron tick ran syncs
 *   between a test creating them and clicking "Sync now" (CI runs failed so, in dashboard_test
 *   and live_test), so every run a browser test sees is one it started;
 * - passwords are hashed with the test suite's cheap iterations, not 600,000 per registration
 *   and sign-in.
 * A port found free can be taken by a parallel test file before the app binds it: then it
 * starts again on other ports.
 */
export async function startApp(env: Record<string, string> = {}): Promise<RunningApp> {
  for (let attempt = 1;; attempt++) {
    try {
      return await startAppOnce(env);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes("AddrInUse")) throw err;
    }
  }
}

async function startAppOnce(extraEnv: Record<string, string>): Promise<RunningApp> {
  const port = freePort();
  const sandboxPort = freePort();
  const dataDir = await Deno.makeTempDir({ prefix: "cal-sync-e2e-" });
  await pgliteDataDir(dataDir);
  const root = new URL("../../", import.meta.url).pathname;
  const url = `http://localhost:${port}`;
  const env = {
    // The embedded database in DATA_DIR, laid out migrated (an empty value is unset).
    DATABASE_URL: "",
    DATA_DIR: dataDir,
    BUNDLE_DIR: join(root, ".data", "bundles"),
    PORT: String(port),
    SANDBOX_PORT: String(sandboxPort),
    API_URL: url,
    GOOGLE_SANDBOX: "1",
    NO_COLOR: "1",
    APP_ENV: "test",
    ...extraEnv,
  };
  const removeData = () => Deno.remove(dataDir, { recursive: true }).catch(() => {});
  let app: MainProcess;
  try {
    app = await startMain({ cwd: root, env, timeoutMs: 60_000 });
  } catch (err) {
    await removeData();
    throw err;
  }
  const close = async () => {
    await app.kill("SIGTERM");
    await removeData();
  };
  return {
    url,
    otherUrl: `http://127.0.0.1:${port}`,
    sandboxUrl: `http://localhost:${sandboxPort}`,
    close,
  };
}

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // One renderer process where Chromium may share one, rather than one per page and site:
  // starting one measured ~0.5 s of CPU here (in the full browser); the browser shares, in the
  // headless shell, took 93-97 s of CPU with this and 109-115 s without, the same tests passing.
  "--renderer-process-limit=1",
];

/**
 * Headless Chromium, as the project runs it everywhere, for a whole test file (or a browser
 * share): each test takes a context of its own from it (`newContext`), a fresh profile (no
 * cookies, no storage), without starting Chromium again.
 */
export async function launchChromium() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    async newContext(options: { javaScriptEnabled?: boolean } = {}) {
      const context = await browser.newContext({
        javaScriptEnabled: options.javaScriptEnabled ?? true,
      });
      return { context, close: () => context.close() };
    },
    close: () => browser.close(),
  };
}

/** Chromium as `launchChromium` starts it: one browser, a fresh context (profile) per test. */
export type Chromium = Awaited<ReturnType<typeof launchChromium>>;

/** What the browser tests of an isolate share: one app (and its sandbox) and one Chromium. */
export interface BrowserWorld {
  app: RunningApp;
  chromium: Chromium;
}

/** The isolate's shared app and Chromium: started on first use, with the files holding them. */
interface Sharing {
  started?: Promise<BrowserWorld>;
  users: number;
}

let sharing: Sharing | undefined;

/**
 * This isolate's app and Chromium for a browser test file, taken when the file is imported:
 * started when a test first waits for them (`ready`), closed when the last file that took them
 * lets go (`release`, in the file's last test). A browser share
 * (`tests/suite/browser_*_test.ts`) imports several files into one isolate, which then start
 * one app and one Chromium instead of one each (an app, a Chromium and a first page measured
 * ~7 s of CPU); a file run alone has them to itself, and one whose tests are all filtered out starts
 * nothing. Each test takes a browser context and sandbox accounts of its own (`newContext`,
 * `demoPair`). The app's output is read and its browser's pipes stay open across tests: the
 * files that use this turn Deno's op and resource leak checks off.
 */
export function takeBrowserWorld(): { ready: Promise<BrowserWorld>; release(): Promise<void> } {
  const taken = sharing ??= { users: 0 };
  taken.users++;
  let released = false;
  return {
    get ready() {
      return taken.started ??= Promise.all([startApp(), launchChromium()])
        .then(([app, chromium]) => ({ app, chromium }));
    },
    async release() {
      if (released) return;
      released = true;
      if (--taken.users > 0) return;
      if (sharing === taken) sharing = undefined;
      if (!taken.started) return;
      const { app, chromium } = await taken.started;
      await chromium.close();
      await app.close();
    },
  };
}

/**
 * A demo pair of the test's own in the app's sandbox (`POST /_sandbox/demo`): Alice with Work
 * and Personal, Bob with Main and Family, filled as the seeded pair, as `alice-TAG@example.com`
 * and `bob-TAG@example.com`. Tests sharing an app edit and empty these calendars, so none uses
 * the seeded alice@/bob@ (nor another test's pair).
 */
export async function demoPair(app: RunningApp, tag: string): Promise<DemoNames> {
  const pair = { alice: `alice-${tag}@example.com`, bob: `bob-${tag}@example.com` };
  const res = await fetch(`${app.sandboxUrl}/_sandbox/demo`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(pair),
  });
  if (!res.ok) throw new Error(`POST /_sandbox/demo: ${res.status} ${await res.text()}`);
  await res.body?.cancel();
  return pair;
}

/** `text` as a regular expression matching it literally. */
export function literally(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** "Work (alice-…) → Main (bob-…)": a pair's sync Work → Main as cards and dialogs name it. */
export function syncName({ alice, bob }: DemoNames): string {
  return `Work (${alice}) → Main (${bob})`;
}

/** The heading of the card of Alice's Work synced into Bob's Main (`and Main`: both ways). */
export function syncHeading(alice: string, join: "to" | "and" = "to"): RegExp {
  return new RegExp(`^Work \\(${literally(alice)}\\)\\s*${join} Main`);
}

/** The password of the users the browser tests register. */
export const PASSWORD = "correct horse battery";

/**
 * Steps that stop the test at the first failure, instead of running the rest against a broken
 * state; with `failed`, the page of a failed step is kept as a screenshot of that name.
 */
export function strictSteps(
  t: Deno.TestContext,
  failed?: { page: () => Page | undefined; shot: string },
) {
  return {
    async step(name: string, fn: () => Promise<void>) {
      const ok = await t.step(name, async () => {
        try {
          await fn();
        } catch (error) {
          const page = failed?.page();
          if (page) await saveShot(page, failed!.shot, true).catch(() => {});
          throw error;
        }
      });
      if (!ok) throw new Error(`Step failed: ${name}`);
    },
  };
}

/**
 * Whether steps that pass leave screenshots in tests/artifacts/ for a person to look over
 * (`E2E_SCREENSHOTS=1`). They assert nothing, and the ~45 of a run cost Chromium a rendering and
 * a PNG each; a failed step's screenshot is always kept (strictSteps).
 */
const KEEP_SCREENSHOTS = Deno.env.get("E2E_SCREENSHOTS") === "1";

/**
 * A screenshot of a passing step, kept with E2E_SCREENSHOTS=1: the whole page (`fullPage`; the
 * viewport alone while a modal dialog is open), or one element.
 */
export async function shot(target: Page | Locator, name: string, fullPage = true) {
  if (KEEP_SCREENSHOTS) await saveShot(target, name, fullPage);
}

async function saveShot(target: Page | Locator, name: string, fullPage: boolean) {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS}${name}.png`;
  if ("goto" in target) await target.screenshot({ path, fullPage });
  else await target.screenshot({ path });
}

/**
 * The page's script errors and console errors, as they come. Failed requests the page answers
 * for itself (401 on a wrong password, 409, 422) are expected, and the sandbox has no favicon.
 */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    const url = message.location().url;
    if (
      message.type() === "error" && !url.endsWith("/favicon.ico") &&
      !/status of (401|409|422)/.test(message.text())
    ) {
      problems.push(`${message.text()} (${url})`);
    }
  });
  page.on("pageerror", (error) => problems.push(error.message));
  return problems;
}

/** Registers `email` (with PASSWORD) through the register page; lands on the dashboard. */
export async function register(page: Page, app: RunningApp, email: string) {
  await page.goto(`${app.url}/register`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${app.url}/`);
}

/** Connects a sandbox Google account from the dashboard; back on the dashboard after. */
export async function connectAccount(page: Page, email: string) {
  await page.getByRole("link", { name: "Connect a Google account" }).click();
  await page.getByRole("button", { name: `Continue as ${email}` }).click();
  await page.waitForURL((url) => url.pathname === "/");
}

/** Connects a sandbox Google account and waits for the dashboard's notice that it is connected. */
export async function connectAndConfirm(page: Page, email: string) {
  await connectAccount(page, email);
  await page.getByText(`The Google account ${email} is connected.`).waitFor();
}

/** The live copies cal-sync made in a sandbox calendar. */
export async function copiesIn(app: RunningApp, email: string, calendar: string) {
  const events = await sandboxEvents(app.sandboxUrl, email, calendar);
  return events.filter((e) => e.status !== "cancelled" && e.extendedProperties?.shared?.source_id);
}

/**
 * A sandbox calendar's Calendar API as its account (a control-surface token): `call(path, init)`
 * fetches `…/calendars/{id}/events{path}`, and throws on an error answer.
 */
export async function sandboxCalendar(sandboxUrl: string, email: string, calendarSummary: string) {
  const accounts = await (await fetch(`${sandboxUrl}/_sandbox/accounts`)).json();
  const account = accounts.accounts.find((a: { email: string }) => a.email === email);
  const calendar = account.calendars.find((c: { summary: string }) =>
    c.summary === calendarSummary
  );
  const { access_token } = await (await fetch(`${sandboxUrl}/_sandbox/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email }),
  })).json();
  const base = `${sandboxUrl}/calendar/v3/calendars/${encodeURIComponent(calendar.id)}/events`;
  return async (path = "", init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${access_token}`,
        ...(init.body ? { "content-type": "application/json" } : {}),
      },
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? "GET"} events${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

/** Events of a sandbox calendar, read through the Calendar API with a control-surface token. */
export async function sandboxEvents(
  sandboxUrl: string,
  email: string,
  calendarSummary: string,
): Promise<
  {
    id?: string;
    summary?: string;
    status?: string;
    recurringEventId?: string;
    extendedProperties?: { shared?: Record<string, string> };
  }[]
> {
  const events = await sandboxCalendar(sandboxUrl, email, calendarSummary);
  return (await events("?maxResults=2500")).items ?? [];
}
