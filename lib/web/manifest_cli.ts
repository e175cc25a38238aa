import { writeManifest } from "./manifest.ts";

const dir = Deno.args[0] ?? Deno.cwd();
const changed = await writeManifest(dir);
console.log(changed ? `Wrote ${dir}/fresh.gen.ts` : `${dir}/fresh.gen.ts is up to date`);
