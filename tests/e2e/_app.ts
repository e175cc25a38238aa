/** Starts `main.ts` in sandbox mode as a child process, as `deno task start` would, for browser tests. */
import { join } from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

export const ARTIFACTS = new URL("../artifacts/", import.meta.url).pathname;

export interface RunningApp {
  /** The public origin, API_URL: `http://localhost:PORT`. */
  url: string;
  /** The same server under another name, as a person may type it: `http://127.0.0.1:PORT`. */
  otherUrl: string;
  sandboxUrl: string;
  close(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * The app and its Google sandbox on free ports, over a throw-away in-memory database. A port
 * found free can be taken by a parallel test file before the app binds it: then it starts again
 * on other ports.
 */
export async function startApp(): Promise<RunningApp> {
  for (let attempt = 1;; attempt++) {
    try {
      return await startAppOnce();
    } catch (err) {
      if (attempt >= 3 || !String(err).includes("AddrInUse")) throw err;
    }
  }
}

async function startAppOnce(): Promise<RunningApp> {
  const port = freePort();
  const sandboxPort = freePort();
  const dataDir = await Deno.makeTempDir({ prefix: "cal-sync-e2e-" });
  const root = new URL("../../", import.meta.url).pathname;
  const url = `http://localhost:${port}`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-cron", "main.ts"],
    cwd: root,
    env: {
      DATABASE_URL: "memory://",
      DATA_DIR: dataDir,
      BUNDLE_DIR: join(root, ".data", "bundles"),
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      API_URL: url,
      GOOGLE_SANDBOX: "1",
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output: string[] = [];
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output.push(decoder.decode(chunk, { stream: true }));
  };
  const drained = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const close = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
    await drained;
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/api/health`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    const lost = output.join("").includes("AddrInUse");
    if (lost || Date.now() > deadline) {
      await close();
      throw new Error(`The app did not start within 60 s:\n${output.join("")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    otherUrl: `http://127.0.0.1:${port}`,
    sandboxUrl: `http://localhost:${sandboxPort}`,
    close,
  };
}

/** Headless Chromium with a fresh profile, as the project runs it everywhere. */
export async function launchBrowser(options: { javaScriptEnabled?: boolean } = {}) {
  const userDataDir = await Deno.makeTempDir({ prefix: "cal-sync-chromium-" });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await Deno.remove(userDataDir, { recursive: true }).catch(() => {});
    },
  };
}

/** Events of a sandbox calendar, read through the Calendar API with a control-surface token. */
export async function sandboxEvents(
  sandboxUrl: string,
  email: string,
  calendarSummary: string,
): Promise<
  { summary?: string; status?: string; extendedProperties?: { shared?: Record<string, string> } }[]
> {
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
  const res = await fetch(
    `${sandboxUrl}/calendar/v3/calendars/${encodeURIComponent(calendar.id)}/events?maxResults=2500`,
    { headers: { authorization: `Bearer ${access_token}` } },
  );
  if (!res.ok) throw new Error(`events.list: ${res.status} ${await res.text()}`);
  return (await res.json()).items ?? [];
}
