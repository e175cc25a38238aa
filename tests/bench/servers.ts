/**
 * Servers the benchmark measures, each in its own process: `hello` or `app`. Prints its port.
 * The app reads DATABASE_URL and SESSION_CACHE_SECONDS (0: the session cache off). SIGUSR2 runs
 * a full garbage collection, so the bench can tell memory held from memory not yet collected.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { openTestApp } from "../_helpers.ts";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
Deno.addSignalListener("SIGUSR2", () => gc());

const kind = Deno.args[0];
if (kind === "hello") {
  Deno.serve({ port: 0, onListen: ({ port }) => console.log(port) }, () => new Response("hello"));
} else {
  const cache = Deno.env.get("SESSION_CACHE_SECONDS");
  const { app } = await openTestApp({ env: cache ? { SESSION_CACHE_SECONDS: cache } : {} });
  Deno.serve(
    { port: 0, onListen: ({ port }) => console.log(port) },
    (req, info) => app.fetch(req, info),
  );
}
