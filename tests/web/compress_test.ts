/**
 * HTTP compression: pages, JSON, scripts and styles go out brotli or gzip when the client
 * accepts it, decode to the same bytes, and say Vary; event streams and HEAD never; a
 * compressed static file still revalidates to 304 with the weak ETag it was served with.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { chooseEncoding, compress } from "@/lib/web/compress.ts";
import { closesTheFile, openTestApp } from "../_helpers.ts";

const t = await openTestApp();

async function fetchAs(path: string, encoding?: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (encoding) headers.set("accept-encoding", encoding);
  const res = await t.app.request(`http://localhost${path}`, { ...init, headers });
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

async function decode(bytes: Uint8Array<ArrayBuffer>, encoding: string): Promise<string> {
  const format = (encoding === "br" ? "brotli" : encoding) as CompressionFormat;
  return await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format)))
    .text();
}

Deno.test("chooseEncoding() takes the best the client accepts, brotli before gzip at equal q", () => {
  assert.equal(chooseEncoding("gzip, deflate, br"), "br");
  assert.equal(chooseEncoding("gzip"), "gzip");
  assert.equal(chooseEncoding("br;q=0.5, gzip;q=0.9"), "gzip");
  assert.equal(chooseEncoding("br;q=0, gzip"), "gzip");
  assert.equal(chooseEncoding("*"), "br");
  assert.equal(chooseEncoding("identity"), undefined);
  assert.equal(chooseEncoding("gzip;q=0"), undefined);
  assert.equal(chooseEncoding(undefined), undefined);
});

for (const [label, path] of [["a page", "/login"], ["JSON", "/api/openapi.json"]] as const) {
  Deno.test(`${label} is compressed as accepted, and decodes to the same body`, async () => {
    const plain = await fetchAs(path);
    assert.equal(plain.res.status, 200);
    assert.equal(plain.res.headers.get("content-encoding"), null);
    assert.match(plain.res.headers.get("vary") ?? "", /Accept-Encoding/);
    const text = new TextDecoder().decode(plain.bytes);
    const sizes: string[] = [`identity ${plain.bytes.length}`];
    for (const encoding of ["br", "gzip"]) {
      const { res, bytes } = await fetchAs(path, encoding);
      assert.equal(res.headers.get("content-encoding"), encoding);
      assert.equal(res.headers.get("content-length"), null);
      assert.match(res.headers.get("vary") ?? "", /Accept-Encoding/);
      assert.ok(res.headers.get("x-content-type-options"), "security headers kept");
      const decoded = await decode(bytes, encoding);
      // Pages carry a per-request nonce: compare without it.
      const strip = (s: string) => s.replace(/nonce="[^"]*"|nonce-[\w+/=]+/g, "");
      assert.equal(strip(decoded), strip(text));
      assert.ok(bytes.length < plain.bytes.length / 2, `${encoding}: ${bytes.length}`);
      sizes.push(`${encoding} ${bytes.length}`);
    }
    console.log(`${path}: ${sizes.join(", ")} bytes`);
  });
}

Deno.test("a static file is compressed with a weak ETag that still revalidates to 304", async () => {
  const { res, bytes } = await fetchAs("/styles.css", "gzip, br");
  assert.equal(res.headers.get("content-encoding"), "br");
  const etag = res.headers.get("etag")!;
  assert.match(etag, /^W\/"/);
  const original = await Deno.readTextFile(new URL("../../static/styles.css", import.meta.url));
  assert.equal(await decode(bytes, "br"), original);
  console.log(`/styles.css: identity ${original.length}, br ${bytes.length} bytes`);
  const again = await fetchAs("/styles.css", "gzip, br", { headers: { "if-none-match": etag } });
  assert.equal(again.res.status, 304);
});

Deno.test("HEAD, event streams, no-transform and small declared bodies go as they are", async () => {
  const head = await t.app.request("http://localhost/login", {
    method: "HEAD",
    headers: { "accept-encoding": "br" },
  });
  await head.body?.cancel();
  assert.equal(head.headers.get("content-encoding"), null);

  const app = new Hono();
  app.use("*", compress());
  app.get("/events", () =>
    new Response("event: progress\ndata: {}\n\n".repeat(100), {
      headers: { "content-type": "text/event-stream; charset=utf-8" },
    }));
  app.get("/raw", () =>
    new Response("x".repeat(5000), {
      headers: { "content-type": "text/plain", "cache-control": "no-transform" },
    }));
  app.get(
    "/small",
    () =>
      new Response("{}", {
        headers: { "content-type": "application/json", "content-length": "2" },
      }),
  );
  app.get(
    "/png",
    () => new Response(new Uint8Array(5000), { headers: { "content-type": "image/png" } }),
  );
  for (const path of ["/events", "/raw", "/small", "/png"]) {
    const res = await app.request(path, { headers: { "accept-encoding": "br, gzip" } });
    await res.body?.cancel();
    assert.equal(res.headers.get("content-encoding"), null, path);
  }
});

closesTheFile("compression tests close their app", () => t.close());
