/** Requests per second of GET /api/auth/me against a bare Deno.serve hello, side by side. */

const CONNECTIONS = 16;
const ROUND_MS = 3000;
const ROUNDS = 3;

interface Server {
  url: string;
  stop(): Promise<void>;
}

async function spawn(kind: "hello" | "app"): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./servers.ts", import.meta.url).pathname, kind],
    stdout: "piped",
    stderr: "null",
    env: { DATABASE_URL: Deno.env.get("DATABASE_URL") ?? "memory://" },
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${kind} server exited`);
    text += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  return {
    url: `http://127.0.0.1:${text.trim()}`,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

async function load(url: string, headers: HeadersInit): Promise<number> {
  const deadline = performance.now() + ROUND_MS;
  let count = 0;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < deadline) {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${url}: ${res.status}`);
      count++;
    }
  }));
  return count / (ROUND_MS / 1000);
}

async function tokenFor(app: Server): Promise<string> {
  const email = `bench-${crypto.randomUUID()}@cal-sync.test`;
  const body = JSON.stringify({ email, password: "bench-password" });
  const headers = { "content-type": "application/json" };
  await (await fetch(`${app.url}/api/auth/register`, { method: "POST", headers, body })).body
    ?.cancel();
  const res = await fetch(`${app.url}/api/auth/token`, { method: "POST", headers, body });
  return (await res.json()).access_token;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** Runs the comparison and returns a report. */
export async function benchHttp(): Promise<string> {
  const [hello, app] = await Promise.all([spawn("hello"), spawn("app")]);
  try {
    const auth = { authorization: `Bearer ${await tokenFor(app)}` };
    await load(`${hello.url}/`, {});
    await load(`${app.url}/api/auth/me`, auth);
    const helloRates: number[] = [];
    const meRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      helloRates.push(await load(`${hello.url}/`, {}));
      meRates.push(await load(`${app.url}/api/auth/me`, auth));
    }
    const h = median(helloRates);
    const m = median(meRates);
    return [
      `HTTP (${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${
        ROUND_MS / 1000
      } s, median)`,
      `  bare Deno.serve hello        ${h.toFixed(0).padStart(8)} req/s`,
      `  GET /api/auth/me (JWT + SQL) ${m.toFixed(0).padStart(8)} req/s`,
      `  ratio me / hello             ${(m / h).toFixed(3).padStart(8)}`,
    ].join("\n");
  } finally {
    await Promise.all([hello.stop(), app.stop()]);
  }
}
