import assert from "node:assert/strict";
import type { User } from "@/lib/db/users.ts";
import { issueToken, type TokenClaims, verifyToken } from "./jwt.ts";
import { SessionCache, type SessionRow } from "./session_cache.ts";

const SECRET = "k".repeat(40);

const token = (userId: string = crypto.randomUUID(), sessionVersion = 0, lifetimeSeconds = 3600) =>
  issueToken(userId, SECRET, { sessionVersion, lifetimeSeconds });

/** Real verification, and a database stand-in holding every user at `version`; both counted. */
function backend(version = 0) {
  const b = {
    verifies: 0,
    reads: 0,
    version,
    gone: false,
    verify: (token: string) => {
      b.verifies++;
      return verifyToken(token, SECRET);
    },
    load: (claims: TokenClaims): Promise<SessionRow | undefined> => {
      b.reads++;
      const user: User = { id: claims.userId, email: "ada@example.com", created_at: new Date(0) };
      return Promise.resolve(b.gone ? undefined : { user, sessionVersion: b.version });
    },
  };
  return b;
}

Deno.test("SessionCache.sessionOf() verifies and reads once per token until the bound", async () => {
  let now = 0;
  const cache = new SessionCache({ ttlMs: 5000, maxEntries: 10, now: () => now });
  const db = backend();
  const userId = crypto.randomUUID();
  const ada = await token(userId);
  for (let i = 0; i < 5; i++) {
    assert.equal((await cache.sessionOf(ada, db.verify, db.load))?.user.id, userId);
  }
  assert.deepEqual([db.verifies, db.reads], [1, 1]);
  now = 4999;
  await cache.sessionOf(ada, db.verify, db.load);
  assert.deepEqual([db.verifies, db.reads], [1, 1]);
  now = 5000;
  assert.equal((await cache.sessionOf(ada, db.verify, db.load))?.user.id, userId);
  assert.deepEqual([db.verifies, db.reads], [2, 2], "a verdict past the bound is made again");
});

Deno.test("SessionCache.sessionOf() refuses a token of an older session version", async () => {
  const cache = new SessionCache({ ttlMs: 5000, maxEntries: 10 });
  const db = backend(2);
  assert.equal(await cache.sessionOf(await token(undefined, 1), db.verify, db.load), undefined);
  assert.ok(await cache.sessionOf(await token(undefined, 2), db.verify, db.load));
});

Deno.test("SessionCache.sessionOf() never keeps a token that does not verify", async () => {
  const cache = new SessionCache({ ttlMs: 5000, maxEntries: 10 });
  const db = backend();
  const forged = (await token()).slice(0, -2) + "AA";
  for (let i = 0; i < 2; i++) {
    assert.equal(await cache.sessionOf(forged, db.verify, db.load), undefined);
  }
  assert.deepEqual([db.verifies, db.reads, cache.size], [2, 0, 0]);
});

Deno.test("SessionCache.sessionOf() refuses a kept token once the token itself expires", async () => {
  const cache = new SessionCache({ ttlMs: 60_000, maxEntries: 10 });
  const db = backend();
  const brief = await token(undefined, 0, 1);
  const session = await cache.sessionOf(brief, db.verify, db.load);
  assert.ok(session);
  await new Promise((resolve) =>
    setTimeout(resolve, session.claims.expiresAt.getTime() - Date.now() + 20)
  );
  assert.equal(await cache.sessionOf(brief, db.verify, db.load), undefined);
});

Deno.test("SessionCache.sessionOf() shares one verdict among concurrent requests", async () => {
  const cache = new SessionCache({ ttlMs: 5000, maxEntries: 10 });
  const db = backend();
  const ada = await token();
  const sessions = await Promise.all(
    Array.from({ length: 8 }, () => cache.sessionOf(ada, db.verify, db.load)),
  );
  assert.deepEqual([db.verifies, db.reads], [1, 1]);
  assert.ok(sessions.every((session) => session === sessions[0]));
  assert.ok(Object.isFrozen(sessions[0]?.user), "one object serves many requests");
});

Deno.test("SessionCache holds at most maxEntries verdicts, dropping the oldest", async () => {
  const cache = new SessionCache({ ttlMs: 5000, maxEntries: 3 });
  const db = backend();
  const tokens = await Promise.all(Array.from({ length: 4 }, () => token()));
  for (const t of tokens) await cache.sessionOf(t, db.verify, db.load);
  assert.equal(cache.size, 3);
  assert.equal(db.reads, 4);
  await cache.sessionOf(tokens[3], db.verify, db.load);
  assert.equal(db.reads, 4, "the newest is still held");
  await cache.sessionOf(tokens[0], db.verify, db.load);
  assert.equal(db.reads, 5, "the oldest was dropped");
});

Deno.test("SessionCache.evict() and evictUser() make the next request read again", async () => {
  const cache = new SessionCache({ ttlMs: 60_000, maxEntries: 10 });
  const db = backend();
  const userId = crypto.randomUUID();
  const [a, b, other] = [await token(userId), await token(userId), await token()];
  const claimsOfA = (await cache.sessionOf(a, db.verify, db.load))!.claims;
  for (const t of [b, other]) await cache.sessionOf(t, db.verify, db.load);
  db.gone = true;
  cache.evict(claimsOfA.jti);
  assert.equal(await cache.sessionOf(a, db.verify, db.load), undefined);
  assert.ok(await cache.sessionOf(b, db.verify, db.load), "another token keeps its verdict");
  cache.evictUser(userId);
  assert.equal(await cache.sessionOf(b, db.verify, db.load), undefined);
  assert.ok(await cache.sessionOf(other, db.verify, db.load), "another user keeps theirs");
});

Deno.test("SessionCache keeps no verdict read before an eviction", async () => {
  const cache = new SessionCache({ ttlMs: 60_000, maxEntries: 10 });
  const db = backend();
  const ada = await token();
  let release!: () => void;
  // A read that saw the token valid, answering only after the token was signed out.
  const slow = cache.sessionOf(ada, db.verify, async (claims) => {
    await new Promise<void>((resolve) => release = resolve);
    return await db.load(claims);
  });
  while (!release) await new Promise((resolve) => setTimeout(resolve, 1));
  cache.evict((await verifyToken(ada, SECRET))!.jti);
  release();
  assert.ok(await slow);
  db.gone = true;
  assert.equal(await cache.sessionOf(ada, db.verify, db.load), undefined);
});

Deno.test("SessionCache keeps no failed read, and with ttlMs 0 reads every time", async () => {
  const cache = new SessionCache({ ttlMs: 5000, maxEntries: 10 });
  const db = backend();
  const ada = await token();
  await assert.rejects(cache.sessionOf(ada, db.verify, () => Promise.reject(new Error("db down"))));
  assert.ok(await cache.sessionOf(ada, db.verify, db.load));
  assert.equal(db.reads, 1);

  const off = new SessionCache({ ttlMs: 0, maxEntries: 10 });
  for (let i = 0; i < 3; i++) assert.ok(await off.sessionOf(ada, db.verify, db.load));
  assert.equal(db.reads, 4);
  assert.equal(off.size, 0);
});
