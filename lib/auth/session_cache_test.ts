import assert from "node:assert/strict";
import type { User } from "@/lib/db/users.ts";
import type { TokenClaims } from "./jwt.ts";
import { SessionCache, type SessionRow } from "./session_cache.ts";

function claimsOf(userId: string = crypto.randomUUID(), sessionVersion = 0): TokenClaims {
  return {
    userId,
    jti: crypto.randomUUID(),
    expiresAt: new Date(Date.now() + 3_600_000),
    sessionVersion,
  };
}

/** A database stand-in that counts reads: the user row of every token, at `version`. */
function rows(version = 0) {
  const counter = {
    reads: 0,
    version,
    gone: false,
    load: (claims: TokenClaims) => (): Promise<SessionRow | undefined> => {
      counter.reads++;
      const user: User = { id: claims.userId, email: "ada@example.com", created_at: new Date(0) };
      return Promise.resolve(counter.gone ? undefined : { user, sessionVersion: counter.version });
    },
  };
  return counter;
}

Deno.test("SessionCache.userOf() reads once per token until the bound, then again", async () => {
  let now = 0;
  const cache = new SessionCache({ ttlMs: 5000, maxEntries: 10, now: () => now });
  const db = rows();
  const claims = claimsOf();
  for (let i = 0; i < 5; i++) {
    assert.equal((await cache.userOf(claims, db.load(claims)))?.id, claims.userId);
  }
  assert.equal(db.reads, 1);
  now = 4999;
  await cache.userOf(claims, db.load(claims));
  assert.equal(db.reads, 1);
  now = 5000;
  await cache.userOf(claims, db.load(claims));
  assert.equal(db.reads, 2);
});

Deno.test("SessionCache.userOf() refuses a token of an older session version", async () => {
  const cache = new SessionCache({ ttlMs: 5000, maxEntries: 10 });
  const db = rows(2);
  const old = claimsOf(undefined, 1);
  assert.equal(await cache.userOf(old, db.load(old)), undefined);
  const current = claimsOf(undefined, 2);
  assert.ok(await cache.userOf(current, db.load(current)));
});

Deno.test("SessionCache.userOf() shares one read among concurrent requests", async () => {
  const cache = new SessionCache({ ttlMs: 5000, maxEntries: 10 });
  const db = rows();
  const claims = claimsOf();
  const users = await Promise.all(
    Array.from({ length: 8 }, () => cache.userOf(claims, db.load(claims))),
  );
  assert.equal(db.reads, 1);
  assert.ok(users.every((user) => user?.id === claims.userId));
  assert.ok(Object.isFrozen(users[0]), "one object serves many requests");
});

Deno.test("SessionCache holds at most maxEntries verdicts, dropping the oldest", async () => {
  const cache = new SessionCache({ ttlMs: 5000, maxEntries: 3 });
  const db = rows();
  const tokens = Array.from({ length: 4 }, () => claimsOf());
  for (const claims of tokens) await cache.userOf(claims, db.load(claims));
  assert.equal(cache.size, 3);
  assert.equal(db.reads, 4);
  await cache.userOf(tokens[3], db.load(tokens[3]));
  assert.equal(db.reads, 4, "the newest is still held");
  await cache.userOf(tokens[0], db.load(tokens[0]));
  assert.equal(db.reads, 5, "the oldest was dropped");
});

Deno.test("SessionCache.evict() and evictUser() make the next request read again", async () => {
  const cache = new SessionCache({ ttlMs: 60_000, maxEntries: 10 });
  const db = rows();
  const a = claimsOf();
  const b = claimsOf(a.userId);
  const other = claimsOf();
  for (const claims of [a, b, other]) await cache.userOf(claims, db.load(claims));
  db.gone = true;
  cache.evict(a.jti);
  assert.equal(await cache.userOf(a, db.load(a)), undefined);
  assert.ok(await cache.userOf(b, db.load(b)), "another token of the user keeps its verdict");
  cache.evictUser(a.userId);
  assert.equal(await cache.userOf(b, db.load(b)), undefined);
  assert.ok(await cache.userOf(other, db.load(other)), "another user keeps theirs");
});

Deno.test("SessionCache keeps no verdict read before an eviction", async () => {
  const cache = new SessionCache({ ttlMs: 60_000, maxEntries: 10 });
  const claims = claimsOf();
  let release!: () => void;
  const user: User = { id: claims.userId, email: "ada@example.com", created_at: new Date(0) };
  // A read that saw the token valid, answering only after the token was signed out.
  const slow = cache.userOf(
    claims,
    () => new Promise((resolve) => release = () => resolve({ user, sessionVersion: 0 })),
  );
  cache.evict(claims.jti);
  release();
  assert.ok(await slow);
  let reads = 0;
  assert.equal(
    await cache.userOf(claims, () => {
      reads++;
      return Promise.resolve(undefined);
    }),
    undefined,
  );
  assert.equal(reads, 1);
});

Deno.test("SessionCache keeps no failed read, and with ttlMs 0 reads every time", async () => {
  const cache = new SessionCache({ ttlMs: 5000, maxEntries: 10 });
  const claims = claimsOf();
  await assert.rejects(cache.userOf(claims, () => Promise.reject(new Error("db down"))));
  const db = rows();
  assert.ok(await cache.userOf(claims, db.load(claims)));
  assert.equal(db.reads, 1);

  const off = new SessionCache({ ttlMs: 0, maxEntries: 10 });
  for (let i = 0; i < 3; i++) await off.userOf(claims, db.load(claims));
  assert.equal(db.reads, 4);
  assert.equal(off.size, 0);
});
