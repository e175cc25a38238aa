import assert from "node:assert/strict";
import { clientAddress } from "@/lib/web/app.ts";

Deno.test("clientAddress() trusts X-Forwarded-For only as far as the proxies it was told of", () => {
  const chain = "10.0.0.1, 203.0.113.9, 192.0.2.4";
  assert.equal(clientAddress(chain, "172.16.0.2", 0), "172.16.0.2", "no proxy: the socket's peer");
  assert.equal(clientAddress(chain, "172.16.0.2", 1), "192.0.2.4", "what the one proxy saw");
  assert.equal(clientAddress(chain, "172.16.0.2", 2), "203.0.113.9", "what the outer of two saw");
  assert.equal(clientAddress("192.0.2.4", "172.16.0.2", 3), "192.0.2.4", "a short chain");
  assert.equal(clientAddress(null, "172.16.0.2", 1), "172.16.0.2", "no header");
  assert.equal(clientAddress(" , ", undefined, 1), undefined, "an empty header");
});
