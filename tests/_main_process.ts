/**
 * `deno run main.ts` as a child process, the way `deno task start` runs the app: the start-up,
 * crash, browser and mail-off tests use it.
 */

/** A port free now (a parallel test may take it before the app binds it: callers retry). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * What a child started with a cleared environment still takes from ours: where Deno and its cache
 * are, and how to trust this network's TLS. The first start on a fresh machine bundles the
 * islands, and `deno bundle` fetches esbuild from npm: behind a proxy whose CA only the system
 * store holds, without NODE_EXTRA_CA_CERTS (or DENO_CERT, SSL_CERT_FILE…) that fetch failed
 * with "invalid peer certificate: UnknownIssuer".
 */
const PASSED_THROUGH = [
  "HOME",
  "PATH",
  "DENO_DIR",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "no_proxy",
];

export interface MainProcess {
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Sends `signal` (unless it has exited) and waits until it has exited and its output is read. */
  kill(signal: Deno.Signal): Promise<void>;
}

export interface MainOptions {
  cwd: string;
  env: Record<string, string>;
  /** Start from an empty environment plus `env` and the variables above (else ours plus `env`). */
  clearEnv?: boolean;
  /** How long to wait for "listening on" (default 90 s). */
  timeoutMs?: number;
}

/** Starts main.ts and resolves once it says it is listening; throws with its output if it exits first. */
export async function startMain(options: MainOptions): Promise<MainProcess> {
  const env = { ...options.env };
  if (options.clearEnv) {
    for (const name of PASSED_THROUGH) {
      const value = Deno.env.get(name);
      if (value !== undefined && !(name in env)) env[name] = value;
    }
  }
  const main = new URL("../main.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-cron", main],
    cwd: options.cwd,
    env,
    clearEnv: options.clearEnv ?? false,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output: string[] = [];
  const collect = async (stream: ReadableStream<Uint8Array<ArrayBuffer>>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output.push(decoder.decode(chunk, { stream: true }));
  };
  const drained = Promise.all([collect(child.stdout), collect(child.stderr)]);
  let exited = false;
  const status = child.status.then(() => exited = true);
  const kill = async (signal: Deno.Signal) => {
    if (!exited) child.kill(signal);
    await status;
    await drained;
  };
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (!output.join("").includes("listening on")) {
    if (exited || Date.now() > deadline) {
      // A start that overran must be ended: its output streams close only when it exits.
      await kill("SIGKILL");
      throw new Error(`main.ts did not start:\n${output.join("")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { output: () => output.join(""), kill };
}
