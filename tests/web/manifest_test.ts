import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { generateManifest } from "@/lib/web/manifest.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

for (const dir of [".", "tests/web/fixture"]) {
  Deno.test(`generateManifest() matches the committed ${dir}/fresh.gen.ts`, async () => {
    const expected = await generateManifest(`${ROOT}${dir}`);
    const actual = await Deno.readTextFile(`${ROOT}${dir}/fresh.gen.ts`);
    assert.equal(
      actual,
      expected,
      `${dir}/fresh.gen.ts is stale: run \`deno task manifest${dir === "." ? "" : ` ${dir}`}\``,
    );
  });
}

Deno.test("generateManifest() imports every route, middleware and island statically", async () => {
  const text = await generateManifest(`${ROOT}tests/web/fixture`);
  for (
    const file of [
      "./routes/_app.tsx",
      "./routes/_middleware.ts",
      "./routes/api/_middleware.ts",
      "./routes/files/[...path].ts",
      "./routes/users/[id].tsx",
      "./islands/Counter.tsx",
    ]
  ) {
    assert.match(
      text,
      new RegExp(`import \\* as \\$+\\d+ from "${file.replace(/[.[\]]/g, "\\$&")}";`),
    );
  }
});
