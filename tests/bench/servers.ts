/** Servers the benchmark measures, each in its own process: `hello` or `app`. Prints its port. */
import { openTestApp } from "../_helpers.ts";

const kind = Deno.args[0];
if (kind === "hello") {
  Deno.serve({ port: 0, onListen: ({ port }) => console.log(port) }, () => new Response("hello"));
} else {
  const { app } = await openTestApp();
  Deno.serve(
    { port: 0, onListen: ({ port }) => console.log(port) },
    (req, info) => app.fetch(req, info),
  );
}
