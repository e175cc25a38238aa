/** `deno task sandbox`: serves the Google sandbox alone on SANDBOX_PORT (default 8085). */
import { startSandbox } from "./mod.ts";

function port(): number {
  const raw = Deno.env.get("SANDBOX_PORT") ?? "8085";
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`Cannot parse "SANDBOX_PORT": expected a port number 0-65535, got "${raw}"`);
    Deno.exit(1);
  }
  return n;
}

if (import.meta.main) {
  const memory = Deno.args.includes("--memory");
  // Google's push needs HTTPS; a local receiver on plain http needs this explicit switch.
  const allowHttpWebhooks = Deno.args.includes("--allow-http-webhooks");
  const dataDir = Deno.env.get("DATA_DIR") ?? ".data";
  const dataFile = memory ? null : `${dataDir}/sandbox.json`;
  const { url, close } = await startSandbox({
    port: port(),
    hostname: Deno.env.get("SANDBOX_HOSTNAME") ?? "127.0.0.1",
    dataFile,
    allowHttpWebhooks,
  });
  console.log(
    `Google is simulated: the Google sandbox (OAuth + Calendar v3) listens on ${url} ` +
      `(state: ${dataFile ?? "in memory"}` +
      `${allowHttpWebhooks ? "; events.watch takes http:// addresses" : ""})`,
  );
  const stop = async () => {
    await close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
}
