/** The JSON control surface under `/_sandbox/`, for tests, demos and benchmarks. */
import { z } from "zod";
import { json } from "./_errors.ts";
import type { Sandbox } from "./mod.ts";
import { ACCESS_TOKEN_SECONDS, type Store } from "./_store.ts";
import { seedDemo } from "./_seed.ts";

const ResetBody = z.object({ empty: z.boolean().optional() }).strict();
const AccountBody = z.object({
  email: z.string().email(),
  calendars: z.array(z.string().min(1)).default([]),
});
const DemoBody = z.object({ alice: z.string().email(), bob: z.string().email() }).strict();
const TokenBody = z.object({ email: z.string().min(1) });
const FaultsBody = z.object({
  latency_ms: z.number().int().min(0).max(60000).optional(),
  fail_every: z.object({
    n: z.number().int().min(1),
    status: z.number().int().min(400).max(599),
    reason: z.string().optional(),
  }).nullable().optional(),
  error_rate: z.object({
    rate: z.number().min(0).max(1),
    status: z.number().int().min(400).max(599),
    reason: z.string().optional(),
  }).nullable().optional(),
  reject_writes: z.object({
    summary_prefix: z.string().min(1),
    status: z.number().int().min(400).max(599),
    reason: z.string().optional(),
  }).nullable().optional(),
  quota_per_minute: z.number().int().min(1).optional(),
  quota_status: z.union([z.literal(403), z.literal(429)]).optional(),
  sparse_pages: z.object({ rate: z.number().min(0).max(1) }).nullable().optional(),
  full_tombstones: z.boolean().nullable().optional(),
  expire_sync_tokens: z.boolean().optional(),
  revoke: z.string().optional(),
}).strict();

function error(code: number, message: string): Response {
  return json({ error: { code, message } }, code);
}

async function body<T>(req: Request, schema: z.ZodType<T>): Promise<T | Response> {
  const text = await req.text();
  let raw: unknown = {};
  if (text.trim()) {
    try {
      raw = JSON.parse(text);
    } catch {
      return error(400, "Malformed JSON body");
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return error(400, `Invalid "${issue.path.join(".") || "body"}": ${issue.message}`);
  }
  return parsed.data;
}

function accountsView(store: Store) {
  return Object.values(store.state.accounts).map((a) => ({
    email: a.email,
    calendars: a.calendarIds.map((id) => {
      const c = store.state.calendars[id];
      return {
        id,
        summary: c.summary,
        accessRole: c.access[a.email],
        primary: c.primaryOf === a.email,
      };
    }),
  }));
}

/** `POST /demo`: Alice's and Bob's seeded calendars and events again, under new addresses. */
async function addDemoPair(store: Store, req: Request): Promise<Response> {
  const b = await body(req, DemoBody);
  if (b instanceof Response) return b;
  const emails = [b.alice.toLowerCase(), b.bob.toLowerCase()];
  const taken = emails.find((email) => store.state.accounts[email]);
  if (taken) return error(409, `The sandbox account ${taken} exists already`);
  if (emails[0] === emails[1]) return error(400, "Alice and Bob need two addresses");
  seedDemo(store, b);
  return json({ accounts: accountsView(store).filter((a) => emails.includes(a.email)) }, 201);
}

/** Serves `/_sandbox/{path}`. */
export async function handleControl(
  store: Store,
  req: Request,
  path: string,
  ctx: { reset(opts?: { empty?: boolean }): void; sandbox: Sandbox },
): Promise<Response> {
  const route = `${req.method} ${path}`;
  switch (route) {
    case "POST /reset": {
      const b = await body(req, ResetBody);
      if (b instanceof Response) return b;
      ctx.reset(b);
      return json({ ok: true, accounts: accountsView(store) });
    }
    case "GET /accounts":
      return json({ accounts: accountsView(store) });
    case "POST /accounts": {
      const b = await body(req, AccountBody);
      if (b instanceof Response) return b;
      return json(ctx.sandbox.addAccount(b.email, b.calendars), 201);
    }
    case "POST /demo":
      return await addDemoPair(store, req);
    case "POST /token":
      return await issueToken(store, req);
    case "GET /faults":
      return json(store.faults);
    case "POST /faults":
      return await setFaults(store, req);
    case "DELETE /faults":
      await req.body?.cancel();
      store.faults = {};
      store.requestCounter = 0;
      return json({});
    case "GET /stats":
      return json(ctx.sandbox.stats());
    case "DELETE /stats":
      await req.body?.cancel();
      ctx.sandbox.resetStats();
      return json(ctx.sandbox.stats());
  }
  await req.body?.cancel();
  return error(404, `No control endpoint ${route}`);
}

/** `POST /_sandbox/token`: an access token for a sandbox account, without the consent page. */
async function issueToken(store: Store, req: Request): Promise<Response> {
  const b = await body(req, TokenBody);
  if (b instanceof Response) return b;
  if (!store.state.accounts[b.email.toLowerCase()]) {
    return error(404, `Unknown sandbox account "${b.email}"`);
  }
  return json({
    access_token: store.issueAccessToken(b.email),
    expires_in: ACCESS_TOKEN_SECONDS,
    token_type: "Bearer",
  });
}

/**
 * `POST /_sandbox/faults`: sets faults (`null` clears one); `expire_sync_tokens` and `revoke` act
 * once instead of being kept.
 */
async function setFaults(store: Store, req: Request): Promise<Response> {
  const b = await body(req, FaultsBody);
  if (b instanceof Response) return b;
  const { expire_sync_tokens, revoke, ...rest } = b;
  if (expire_sync_tokens) {
    for (const cal of Object.values(store.state.calendars)) cal.tokenGeneration++;
    store.changed();
  }
  if (revoke) {
    if (!store.state.accounts[revoke.toLowerCase()]) {
      return error(404, `Unknown sandbox account "${revoke}"`);
    }
    store.revokeAccount(revoke);
  }
  for (const [k, v] of Object.entries(rest)) {
    if (v === null) delete (store.faults as Record<string, unknown>)[k];
    else (store.faults as Record<string, unknown>)[k] = v;
  }
  if (rest.fail_every) store.requestCounter = 0;
  return json(store.faults);
}
