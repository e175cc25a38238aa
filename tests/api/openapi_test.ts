/**
 * The OpenAPI document as tools read it: every reference resolves from the document's root, and
 * every error a route really answers to bad input is documented.
 */
import assert from "node:assert/strict";
import { issueToken } from "@/lib/auth/jwt.ts";
import { bearer, fromAddress, openTestApp, registerAndSignIn, uniqueAddress } from "../_helpers.ts";

const t = await openTestApp();
const { app } = t;
// deno-lint-ignore no-explicit-any
const doc: any = await (await app.request("/api/openapi.json")).json();

/** Every value under `value`, with the JSON pointer that reaches it. */
function* walk(value: unknown, pointer = "#"): Generator<[string, unknown]> {
  yield [pointer, value];
  if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      yield* walk(item, `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`);
    }
  }
}

/** What a JSON pointer (`#/a/b`) names in `root`, or undefined. */
function resolve(root: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!node || typeof node !== "object" || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

Deno.test("GET /api/openapi.json: every $ref resolves against the document root", () => {
  let refs = 0;
  for (const [pointer, value] of walk(doc)) {
    if (pointer.endsWith("/$defs")) assert.fail(`a local $defs at ${pointer}`);
    if (!pointer.endsWith("/$ref")) continue;
    refs++;
    assert.equal(typeof value, "string", pointer);
    assert.match(value as string, /^#\/components\/schemas\/\w+$/, pointer);
    assert.ok(resolve(doc, value as string), `${pointer} → ${value} resolves`);
  }
  assert.ok(refs >= 19, `shared shapes are referenced (${refs} references)`);
  const error = doc.components.schemas.Error;
  assert.deepEqual(error.required, ["error"]);
  const me = doc.paths["/api/auth/me"].get.responses["200"].content["application/json"].schema;
  assert.deepEqual(me, { $ref: "#/components/schemas/User" });
});

type Probe = { what: string; init: RequestInit; path: string };

/** A value the parameter accepts, so that a probe fails only where it means to. */
// deno-lint-ignore no-explicit-any
function goodValue(param: any): string {
  if (param.schema?.enum) return param.schema.enum[0];
  if (param.schema?.format === "uuid") return crypto.randomUUID();
  return "x";
}

/** Requests that break one rule each: no session, a bad path value, query, body or origin. */
// deno-lint-ignore no-explicit-any
function probes(path: string, method: string, op: any, token: string): Probe[] {
  // deno-lint-ignore no-explicit-any
  const params: any[] = op.parameters ?? [];
  const fill = (bad?: string) =>
    path.replace(
      /\{(\w+)\}/g,
      (_, name) => name === bad ? "not%20valid" : goodValue(params.find((p) => p.name === name)),
    );
  const signedIn = (init: RequestInit = {}): RequestInit => ({
    method,
    ...init,
    headers: { ...bearer(token), ...init.headers as Record<string, string> },
  });
  const list: Probe[] = [
    { what: "no session", path: fill(), init: { method } },
    { what: "nothing wrong", path: fill(), init: signedIn() },
  ];
  for (const param of params.filter((p) => p.in === "path")) {
    list.push({ what: `bad ${param.name}`, path: fill(param.name), init: signedIn() });
  }
  for (const param of params.filter((p) => p.in === "query")) {
    const query = new URLSearchParams({ [param.name]: "\u0000not valid" });
    list.push({ what: `bad ?${param.name}`, path: `${fill()}?${query}`, init: signedIn() });
  }
  if (op.requestBody) {
    for (const [what, body] of [["malformed JSON", "{"], ["a JSON array", "[]"], ["{}", "{}"]]) {
      list.push({
        what,
        path: fill(),
        init: signedIn({ headers: { "content-type": "application/json" }, body }),
      });
    }
  }
  if (!["get", "head", "options"].includes(method.toLowerCase())) {
    list.push({
      what: "a cross-site write on the session cookie",
      path: fill(),
      init: { method, headers: { cookie: `session=${token}`, origin: "https://evil.example" } },
    });
  }
  return list;
}

Deno.test("GET /api/openapi.json: every operation documents the 4xx answers it gives", async () => {
  const { id } = await registerAndSignIn(app);
  const missing: string[] = [];
  let answered4xx = 0;
  for (const [path, operations] of Object.entries(doc.paths)) {
    // deno-lint-ignore no-explicit-any
    for (const [method, op] of Object.entries(operations as Record<string, any>)) {
      // A token of its own: the sign-out probe revokes the one it is given.
      const token = await issueToken(id, t.services.config.jwtSecret);
      for (const probe of probes(path, method.toUpperCase(), op, token)) {
        const res = await app.request(probe.path, probe.init, fromAddress(uniqueAddress()));
        await res.body?.cancel();
        const name = `${method.toUpperCase()} ${path} with ${probe.what}`;
        assert.ok(res.status < 500, `${name} answered ${res.status}`);
        if (res.status < 400) continue;
        answered4xx++;
        if (!(String(res.status) in op.responses)) missing.push(`${name} → ${res.status}`);
      }
    }
  }
  assert.deepEqual(missing, [], "answers the document does not mention");
  assert.ok(answered4xx > 40, `the probes met errors (${answered4xx})`);
});

Deno.test("GET /api/openapi.json: an operation with a body documents 400, 413 and 422", () => {
  for (const [path, operations] of Object.entries(doc.paths)) {
    // deno-lint-ignore no-explicit-any
    for (const [method, op] of Object.entries(operations as Record<string, any>)) {
      if (!op.requestBody) continue;
      for (const status of ["400", "413", "422"]) {
        const response = op.responses[status];
        assert.ok(response, `${method.toUpperCase()} ${path} documents ${status}`);
        // The compatibility API answers errors in the seed's (FastAPI's) shape.
        const shape = path.startsWith("/api/v0/") ? "V0Error" : "Error";
        assert.deepEqual(response.content["application/json"].schema, {
          $ref: `#/components/schemas/${shape}`,
        });
      }
    }
  }
});
