/** `deno task bench`: every benchmark, side by side in one run. */
import { benchHttp } from "./http_bench.ts";
import { benchSync } from "./sync_bench.ts";

console.log(await benchHttp());
console.log();
console.log(await benchSync());
