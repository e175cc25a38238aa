import assert from "node:assert/strict";
import { signal } from "@preact/signals";
import { fixtureApp, get } from "./_fixture.ts";
import { PropsSerializer, reviveProps, stringifyForScript } from "@/lib/web/serialize.ts";

async function islandsPage() {
  const res = await get("/islands");
  assert.equal(res.status, 200);
  const html = await res.text();
  const script = html.match(/<script type="module" nonce="\w+">(.*?)<\/script>/s)?.[1];
  assert.ok(script, "the page has one boot module");
  const payload = JSON.parse(script.match(/boot\(\{[^}]*\},(.*)\);$/s)![1]);
  return { html, script, payload };
}

Deno.test("renderPage() wraps each top-level island in markers with its index and key", async () => {
  const { html } = await islandsPage();
  assert.match(
    html,
    /<!--frsh:island:Counter:0:--><button type="button" class="counter" >.*?: 3<\/button><!--\/frsh:island-->/,
  );
  assert.match(
    html,
    /<!--frsh:island:Counter:1:b--><button[^>]*>second: 3<\/button><!--\/frsh:island-->/,
  );
  assert.match(html, /<!--frsh:island:Greeting:2:--><section>.*<\/section><!--\/frsh:island-->/);
});

Deno.test("renderPage() renders an island inside an island as a plain component", async () => {
  const { html } = await islandsPage();
  assert.match(html, /<p class="greeting">Hello, Ada<\/p><button[^>]*>nested: 1<\/button>/);
  assert.equal(html.match(/<!--frsh:island:/g)?.length, 3);
});

Deno.test("renderPage() serializes island props, sharing one signal between islands", async () => {
  const { payload } = await islandsPage();
  assert.deepEqual(payload, {
    props: [
      { label: "</script><script>alert(1)</script><!--", count: { $s: 0 }, $$kind: "dollar" },
      { label: "second", count: { $s: 0 } },
      { name: "Ada" },
    ],
    signals: [3],
  });
});

Deno.test("renderPage() escapes props for a script context", async () => {
  const { html, script } = await islandsPage();
  assert.doesNotMatch(script, /<\/script|<!--/i);
  assert.equal(html.match(/<\/script>/g)?.length, 1, "only the boot module's own end tag");
  assert.match(script, /\\u003c\/script\\u003e\\u003cscript\\u003ealert\(1\)/);
});

Deno.test("renderPage() imports the runtime and each used island's chunk once", async () => {
  const { script } = await islandsPage();
  const urls = [...script.matchAll(/from ?"([^"]+)"/g)].map((m) => m[1]);
  assert.equal(urls.length, 3);
  assert.match(urls[0], /^\/_frsh\/js\/[0-9a-f]{16}\/.*runtime\.js$/);
  assert.match(urls[1], /\/Counter\.js$/);
  assert.match(urls[2], /\/Greeting\.js$/);
  assert.match(script, /boot\(\{"Counter":i0,"Greeting":i1\},/);
});

Deno.test("renderPage() ships no script at all on a page without islands", async () => {
  const res = await get("/users/ada");
  const html = await res.text();
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(res.headers.get("content-security-policy") ?? "", /nonce/);
});

Deno.test("the island bundle is served under the build id with immutable caching", async (t) => {
  const { script } = await islandsPage();
  const urls = [...script.matchAll(/from ?"([^"]+)"/g)].map((m) => m[1]);
  const app = await fixtureApp();

  for (const url of urls) {
    await t.step(url.split("/").at(-1)!, async () => {
      const res = await app.request(`http://localhost${url}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/javascript; charset=utf-8");
      assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
      let code = await res.text();
      for (const [, chunk] of code.matchAll(/from"(\.{1,2}\/[^"]+)"/g)) {
        const chunkUrl = new URL(chunk, `http://localhost${url}`);
        const chunkRes = await app.request(chunkUrl.href);
        assert.equal(chunkRes.status, 200, `imported chunk ${chunkUrl.pathname} is served`);
        code += await chunkRes.text();
      }
      if (url.endsWith("Counter.js")) assert.match(code, /"counter"/);
      if (url.endsWith("Greeting.js")) assert.match(code, /"greeting"/);
      if (url.endsWith("runtime.js")) assert.match(code, /frsh:island:/);
    });
  }

  await t.step("another build id answers 404", async () => {
    const other = urls[0].replace(/\/_frsh\/js\/[0-9a-f]+\//, "/_frsh/js/0000000000000000/");
    const res = await app.request(`http://localhost${other}`);
    assert.equal(res.status, 404);
    await res.body?.cancel();
  });

  await t.step("the browser build uses Preact's runtime JSX, not server templates", async () => {
    const res = await app.request(`http://localhost${urls[1]}`);
    assert.doesNotMatch(await res.text(), /<button type=\\?"button\\?" /);
  });
});

Deno.test("reviveProps() turns the serialized props back into signals and values", () => {
  const shared = signal({ nested: [1, "<!--"] });
  const serializer = new PropsSerializer();
  serializer.add("A", { a: shared, $s: "literal", when: new Date(0), skip: undefined });
  serializer.add("B", { b: shared, list: [shared] });
  const wire = JSON.parse(stringifyForScript(serializer.payload()));
  const [a, b] = reviveProps(wire) as Record<string, unknown>[];
  assert.equal(a.$s, "literal");
  assert.equal(a.when, "1970-01-01T00:00:00.000Z");
  assert.equal("skip" in a, false);
  assert.deepEqual((a.a as typeof shared).value, { nested: [1, "<!--"] });
  assert.equal(a.a, b.b, "one signal on the server stays one signal in the browser");
  assert.equal((b.list as unknown[])[0], b.b);
});

Deno.test("PropsSerializer.add() refuses props a browser cannot receive", () => {
  const serializer = new PropsSerializer();
  assert.throws(
    () => serializer.add("A", { onClick: () => {} }),
    /Cannot serialize island prop "A.onClick": function is not supported/,
  );
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  assert.throws(() => serializer.add("A", { loop }), /circular/);
});
