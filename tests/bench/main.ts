/**
 * `deno task bench [http|sync|cpu|scheduler|push]…`: every benchmark (or those named), side by side in
 * one run. `--before DIR` (a checkout of the old code) adds its figures to the HTTP and
 * scheduler sections. PostgreSQL is measured when DATABASE_URL names one; the scheduler section
 * needs it. HTTP: `--rounds N`, `--seconds S`, `--connections C`; scheduler: `--configs N`;
 * cpu (the engine's CPU per written event): `--events N`.
 */
import { parseArgs } from "node:util";
import { benchEngineCpu } from "./engine_cpu_bench.ts";
import { benchHttp } from "./http_bench.ts";
import { benchPush } from "./push_bench.ts";
import { benchScheduler } from "./scheduler_bench.ts";
import { benchSync } from "./sync_bench.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    before: { type: "string" },
    rounds: { type: "string" },
    seconds: { type: "string" },
    connections: { type: "string" },
    configs: { type: "string" },
    events: { type: "string" },
  },
});
const wanted = (name: string) => positionals.length === 0 || positionals.includes(name);
const number = (value: string | undefined) => value === undefined ? undefined : Number(value);
const databaseUrl = Deno.env.get("DATABASE_URL");

if (wanted("http")) {
  console.log(
    await benchHttp({
      baseline: values.before,
      rounds: number(values.rounds),
      seconds: number(values.seconds),
      connections: number(values.connections),
      postgresUrl: databaseUrl?.startsWith("postgres") ? databaseUrl : undefined,
    }),
  );
  console.log();
}
if (wanted("sync")) {
  console.log(await benchSync());
  console.log();
}
if (wanted("cpu")) {
  console.log(await benchEngineCpu(values.events ? ["--events", values.events] : []));
  console.log();
}
if (wanted("scheduler")) console.log(await benchScheduler(Deno.args));
if (wanted("push")) {
  console.log();
  console.log(await benchPush());
}
