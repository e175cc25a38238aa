/**
 * The README's promise: `deno task start` with nothing configured serves the app on an embedded
 * database with the Google sandbox, and a restart keeps what was registered.
 */
import assert from "node:assert/strict";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

function freePort(): number {
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Starts the app in `cwd` with only ports set (so parallel runs don't collide) and no other env. */
async function startApp(cwd: string, port: number, sandboxPort: number) {
  const env: Record<string, string> = { PORT: String(port), SANDBOX_PORT: String(sandboxPort) };
  for (const name of ["HOME", "PATH", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-cron", MAIN],
    cwd,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output: string[] = [];
  const collect = async (stream: ReadableStream<Uint8Array<ArrayBuffer>>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output.push(decoder.decode(chunk, { stream: true }));
  };
  const done = Promise.all([collect(child.stdout), collect(child.stderr)]);
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = Date.now() + 90_000;
  while (!output.join("").includes("listening on")) {
    if (exited || Date.now() > deadline) {
      // A start that overran must be ended: its output streams close only when it exits.
      if (!exited) {
        child.kill("SIGKILL");
        await child.status;
      }
      await done;
      throw new Error(`app did not start:\n${output.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    output: () => output.join(""),
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await done;
    },
  };
}

Deno.test("deno task start needs no configuration and a restart keeps users", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "cal-sync-smoke-" });
  const port = freePort();
  const sandboxPort = freePort();
  const base = `http://127.0.0.1:${port}`;
  const email = `smoke-${crypto.randomUUID()}@cal-sync.test`;
  try {
    const first = await startApp(cwd, port, sandboxPort);
    try {
      assert.match(first.output(), /Generated development secrets/);
      assert.match(first.output(), /Google is SIMULATED/);
      const health = await fetch(`${base}/api/health`);
      assert.equal(health.status, 200);
      assert.deepEqual((await health.json()).database, "pglite");
      const login = await fetch(`${base}/login`);
      assert.equal(login.status, 200);
      assert.match(await login.text(), /Sign in/);
      const registered = await fetch(`${base}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "persisted-pass" }),
      });
      assert.equal(registered.status, 201);
      await registered.body?.cancel();
      const consent = await fetch(`http://127.0.0.1:${sandboxPort}/o/oauth2/v2/auth`);
      await consent.body?.cancel();
      assert.notEqual(consent.status, 404);
    } finally {
      await first.stop();
    }

    const second = await startApp(cwd, port, sandboxPort);
    try {
      assert.doesNotMatch(second.output(), /Generated development secrets/);
      const token = await fetch(`${base}/api/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "persisted-pass" }),
      });
      assert.equal(token.status, 200);
      const { access_token } = await token.json();
      const me = await fetch(`${base}/api/auth/me`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      assert.equal((await me.json()).email, email);
    } finally {
      await second.stop();
    }
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
