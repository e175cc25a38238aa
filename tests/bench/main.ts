/**
 * `deno task bench`: every benchmark, side by side in one run. The scheduler section needs
 * DATABASE_URL (PostgreSQL); `--configs N` sizes it, `--before DIR` adds the old code's figures.
 */
import { benchHttp } from "./http_bench.ts";
import { benchScheduler } from "./scheduler_bench.ts";
import { benchSync } from "./sync_bench.ts";

console.log(await benchHttp());
console.log();
console.log(await benchSync());
console.log();
console.log(await benchScheduler(Deno.args));
