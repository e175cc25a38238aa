import assert from "node:assert/strict";
import { get } from "./_fixture.ts";

const EXPECTED = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

for (
  const [label, path, init] of [
    ["a page", "/", undefined],
    ["a JSON response", "/api/things/1", undefined],
    ["a redirect", "/users/ada", { method: "POST" }],
    ["a 404 page", "/nowhere", undefined],
    ["a static file", "/app.css", undefined],
  ] as const
) {
  Deno.test(`securityHeaders() sets the security headers on ${label}`, async () => {
    const res = await get(path, init);
    await res.body?.cancel();
    for (const [name, value] of Object.entries(EXPECTED)) {
      assert.equal(res.headers.get(name), value, name);
    }
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /object-src 'none'/);
  });
}

Deno.test("securityHeaders() allows the inline boot module of an island page by nonce", async () => {
  const res = await get("/islands");
  const csp = res.headers.get("content-security-policy") ?? "";
  const nonce = csp.match(/script-src 'self' 'nonce-([0-9a-f]+)'/)?.[1];
  assert.ok(nonce, csp);
  assert.match(await res.text(), new RegExp(`<script type="module" nonce="${nonce}">`));
});

Deno.test("securityHeaders() sets Strict-Transport-Security only over HTTPS", async () => {
  const { fixtureApp } = await import("./_fixture.ts");
  const app = await fixtureApp();
  const https = await app.request("https://cal.example/");
  const http = await app.request("http://localhost/");
  assert.match(https.headers.get("strict-transport-security") ?? "", /max-age=\d+/);
  assert.equal(http.headers.get("strict-transport-security"), null);
});
