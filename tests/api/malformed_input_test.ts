/**
 * Malformed input on every page and API route, enumerated from the route manifest (a new route is
 * covered without touching this file): bad path ids, query values, form and JSON bodies, an
 * undecodable cookie and a malformed Referer. Each answers 4xx or a redirect — never 5xx.
 */
import assert from "node:assert/strict";
import { getSyncLog } from "@/lib/db/sync_logs.ts";
import { call } from "../sync_api/_helpers.ts";
import {
  assertNo5xx,
  BAD_PATH_VALUES,
  BAD_QUERY_VALUES,
  foreignConfig,
  intruder,
  OPERATIONS,
  owner,
  pathOf,
  QUERY_KEYS,
  send,
  takeWorld,
  world,
} from "./_malformed.ts";
import { closesTheFile } from "../_helpers.ts";

const held = takeWorld();

Deno.test("[http] the route manifest has pages and API routes to try", () => {
  const templates = new Set(OPERATIONS.map((op) => op.template));
  assert.ok(templates.has("/syncs/{id}/delete"));
  assert.ok(templates.has("/api/sync/config/{id}"));
  assert.ok(OPERATIONS.length >= 25, `${OPERATIONS.length} operations`);
});
Deno.test(
  "[http] a malformed, unknown or foreign path id answers 404, never 5xx",
  async () => {
    for (const op of OPERATIONS.filter((op) => op.params.length > 0)) {
      for (const value of BAD_PATH_VALUES) {
        const values = Object.fromEntries(op.params.map((name) => [name, value]));
        const path = pathOf(op, values);
        const res = await send(op.method, path);
        const what = `${op.method} ${path.slice(0, 80)}`;
        assertNo5xx(res, what);
        if (/^[0-9a-f-]{36}$/.test(value)) {
          // Well-formed but unknown or another user's: 404, or 422 for the missing body first.
          assert.ok([404, 422].includes(res.status), `${what} answered ${res.status}`);
        } else if (op.params.includes("id") || !op.template.startsWith("/api/")) {
          assert.equal(res.status, 404, what);
        } else {
          // An account type that is not one: the API names the parameter.
          assert.equal(res.status, 422, what);
        }
      }
    }
  },
);
Deno.test("[http] malformed query values answer 4xx or a redirect, never 5xx", async () => {
  for (const op of OPERATIONS) {
    const declared = Object.keys(
      (op.spec.query as { shape?: Record<string, unknown> } | undefined)?.shape ?? {},
    );
    // A delete or disconnect that reads no query would only do its work: nothing to learn.
    if (op.destructive && declared.length === 0) continue;
    for (const value of BAD_QUERY_VALUES) {
      const query = [...new Set([...declared, ...QUERY_KEYS])].map((key) => `${key}=${value}`)
        .join("&");
      const path = `${pathOf(op)}?${query}`;
      const res = await send(op.method, path);
      const what = `${op.method} ${op.template}?…=${value.slice(0, 20)}`;
      assertNo5xx(res, what);
      if (op.template.startsWith("/api/") && declared.length > 0) {
        assert.ok(res.status >= 400, `${what} answered ${res.status}`);
      }
    }
  }
});
Deno.test(
  "[http] GET /?ran=x&log=notauuid shows the dashboard without a run result",
  async () => {
    const res = await owner.browser("/?ran=x&log=notauuid");
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<h1>Dashboard<\/h1>/);
    assert.doesNotMatch(html, /class="run-result/);
  },
);
Deno.test("[http] a run is read for its owner only, on the page and in lib/db", async () => {
  const theirs = await call(intruder.browser, "POST", `/api/sync/trigger/${foreignConfig.id}`);
  assert.equal(theirs.status, 200);
  const logId = theirs.body.sync_log_id as string;
  assert.equal((await getSyncLog(world.db, logId, intruder.user.id))?.config_id, foreignConfig.id);
  assert.equal(await getSyncLog(world.db, logId, owner.user.id), undefined);
  assert.equal(await getSyncLog(world.db, "notauuid", owner.user.id), undefined);
  const peek = await owner.browser(`/?ran=${foreignConfig.id}&log=${logId}`);
  assert.equal(peek.status, 200);
  assert.doesNotMatch(await peek.text(), /class="run-result/);
});

closesTheFile(
  "[http] malformed input tests (paths, queries) close their world",
  () => held.giveBack(),
);
