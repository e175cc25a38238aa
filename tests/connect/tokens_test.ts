import assert from "node:assert/strict";
import { decryptToken, loadKeyRing, TokenDecryptError } from "@/lib/crypto/tokens.ts";
import { rotateTokenKeys } from "@/lib/crypto/rotate_keys.ts";
import { getGoogleAccount, type GoogleAccountRow } from "@/lib/db/google_accounts.ts";
import { getCalendarClient, refreshAccessToken } from "@/lib/google/clients.ts";
import { NeedsReconnectError } from "@/lib/google/errors.ts";
import { completeAuthorization, startAuthorization } from "@/lib/google/oauth_flow.ts";
import { createServices } from "@/lib/services.ts";
import {
  consent,
  countingProxy,
  NEW_KEY,
  newGoogleAccount,
  newUser,
  openWorld,
  TEST_KEY,
  type World,
} from "./_helpers.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openWorld();

/** Connects the Google account `email` for the user; answers the account's id. */
async function connect(w: World, userId: string, email: string): Promise<string> {
  const { authorizationUrl } = (await startAuthorization(w.services, userId, {}))!;
  const back = await consent(authorizationUrl, email);
  const outcome = await completeAuthorization(w.services, userId, {
    state: back.searchParams.get("state") ?? undefined,
    code: back.searchParams.get("code") ?? undefined,
  });
  assert.equal(outcome.kind, "connected");
  return (outcome as { accountId: string }).accountId;
}

const account = async (userId: string, id: string) =>
  (await getGoogleAccount(world.db, id, userId))!;

async function plaintextTokens(w: World, row: GoogleAccountRow) {
  const ring = await loadKeyRing(w.services.config.encryptionKeys);
  const owner = { userId: row.user_id, label: row.token_label };
  return {
    refresh: await decryptToken(ring, row.refresh_token_enc, { ...owner, field: "refresh_token" }),
    access: await decryptToken(ring, row.access_token_enc!, { ...owner, field: "access_token" }),
  };
}

Deno.test("google_accounts holds no plaintext token, and a value moved to another user's row does not decrypt", async () => {
  const alice = await newUser(world);
  const bob = await newUser(world);
  const google = newGoogleAccount(world, "src");
  const aliceAccount = await connect(world, alice.id, google);
  const bobAccount = await connect(world, bob.id, newGoogleAccount(world, "src"));

  const [raw] = await world.db.query<Record<string, unknown>>(
    "SELECT * FROM google_accounts WHERE user_id = $1",
    [alice.id],
  );
  const row = await account(alice.id, aliceAccount);
  const { refresh, access } = await plaintextTokens(world, row);
  assert.match(refresh, /^1\/\/sandbox-/);
  const dump = JSON.stringify(raw);
  assert.ok(!dump.includes(refresh), "refresh token stored in plaintext");
  assert.ok(!dump.includes(access), "access token stored in plaintext");
  assert.ok(!dump.includes(refresh.slice(10, 30)), "part of the refresh token stored in plaintext");

  await world.db.query(
    "UPDATE google_accounts SET refresh_token_enc = $1 WHERE id = $2",
    [row.refresh_token_enc, bobAccount],
  );
  const moved = await account(bob.id, bobAccount);
  const ring = await loadKeyRing(world.services.config.encryptionKeys);
  await assert.rejects(
    decryptToken(ring, moved.refresh_token_enc, {
      userId: bob.id,
      label: moved.token_label,
      field: "refresh_token",
    }),
    TokenDecryptError,
  );
  // Bound to the account too: the same user's other account cannot read it either.
  const aliceOther = await connect(world, alice.id, newGoogleAccount(world, "dst"));
  await assert.rejects(
    decryptToken(ring, row.refresh_token_enc, {
      userId: alice.id,
      label: aliceOther,
      field: "refresh_token",
    }),
    TokenDecryptError,
  );
  // A refresh needs the moved refresh token and must fail.
  await world.db.query("UPDATE google_accounts SET expires_at = now() WHERE id = $1", [bobAccount]);
  await assert.rejects(refreshAccessToken(world.services, bob.id, bobAccount), TokenDecryptError);
});

Deno.test("rotateTokenKeys() re-encrypts every token with the newest key, and the app keeps working", async () => {
  const user = await newUser(world);
  const id = await connect(world, user.id, newGoogleAccount(world, "dst"));
  const before = await account(user.id, id);
  const plain = await plaintextTokens(world, before);

  const rotatedKeys = [NEW_KEY, TEST_KEY];
  const result = await rotateTokenKeys(world.db, rotatedKeys);
  assert.ok(result.rotated >= 1);
  assert.deepEqual(result.failed.filter((f) => f.user_id === user.id), []);
  const newest = await loadKeyRing([NEW_KEY]);
  const after = await account(user.id, id);
  assert.equal(after.key_version, newest.currentVersion);
  assert.notEqual(after.refresh_token_enc, before.refresh_token_enc);

  // The old key can go: the newest alone decrypts, and the Calendar API still answers.
  const rotated = createServices(
    { ...world.services.config, encryptionKeys: [NEW_KEY] },
    world.db,
    world.sandboxUrl,
  );
  const owner = { userId: user.id, label: after.token_label };
  assert.equal(
    await decryptToken(newest, after.refresh_token_enc, { ...owner, field: "refresh_token" }),
    plain.refresh,
  );
  const cal = await getCalendarClient(rotated, user.id, id);
  const { data } = await cal.calendarList.list();
  assert.equal(data.items?.length, 2);
  assert.equal(
    (await rotateTokenKeys(world.db, rotatedKeys)).rotated,
    0,
    "second run has nothing to do",
  );
});

Deno.test("getCalendarClient() refreshes an expiring token once for concurrent callers and stores it encrypted", async () => {
  const user = await newUser(world);
  const id = await connect(world, user.id, newGoogleAccount(world, "src"));
  await world.db.query(
    "UPDATE google_accounts SET expires_at = now() + interval '1 minute' WHERE user_id = $1",
    [user.id],
  );
  const before = await account(user.id, id);
  const proxy = countingProxy(world.sandboxUrl);
  try {
    const services = createServices(world.services.config, world.db, proxy.url);
    const clients = await Promise.all(
      [1, 2, 3].map(() => getCalendarClient(services, user.id, id)),
    );
    const lists = await Promise.all(clients.map((c) => c.calendarList.list()));
    assert.ok(lists.every((l) => l.data.items?.length === 2));
    assert.equal(proxy.count("POST /token"), 1, "one refresh for three clients");
    assert.equal(proxy.count("GET /calendar/v3/users/me/calendarList"), 3);
  } finally {
    await proxy.close();
  }
  const after = await account(user.id, id);
  assert.ok(new Date(after.expires_at!).getTime() > Date.now() + 50 * 60_000);
  assert.notEqual(after.access_token_enc, before.access_token_enc);
  assert.equal(
    (await plaintextTokens(world, after)).refresh,
    (await plaintextTokens(world, before)).refresh,
  );
});

Deno.test("getCalendarClient() marks needs_reconnect when the sandbox revoked the grant", async () => {
  const user = await newUser(world);
  const google = newGoogleAccount(world, "src");
  const id = await connect(world, user.id, google);
  await fetch(`${world.sandboxUrl}_sandbox/faults`, {
    method: "POST",
    body: JSON.stringify({ revoke: google }),
  }).then((r) => r.body?.cancel());
  const cal = await getCalendarClient(world.services, user.id, id);
  await assert.rejects(cal.calendarList.list(), NeedsReconnectError);
  const row = await account(user.id, id);
  assert.equal(row.status, "needs_reconnect");
  assert.equal(row.status_reason, "invalid_grant");
  await assert.rejects(getCalendarClient(world.services, user.id, id), NeedsReconnectError);
});

Deno.test("getCalendarClient() leaves retries to the caller: gaxios does not retry a 503", async () => {
  const user = await newUser(world);
  const id = await connect(world, user.id, newGoogleAccount(world, "src"));
  const cal = await getCalendarClient(world.services, user.id, id);
  await fetch(`${world.sandboxUrl}_sandbox/faults`, {
    method: "POST",
    body: JSON.stringify({ error_rate: { rate: 1, status: 503, reason: "backendError" } }),
  }).then((r) => r.body?.cancel());
  const before = world.sandbox.stats().injectedFaults;
  try {
    await assert.rejects(
      cal.calendarList.list(),
      (err: { response?: { status: number } }) => err.response?.status === 503,
    );
    assert.equal(world.sandbox.stats().injectedFaults - before, 1);
  } finally {
    await fetch(`${world.sandboxUrl}_sandbox/faults`, { method: "DELETE" }).then((r) =>
      r.body?.cancel()
    );
  }
});

Deno.test("refreshAccessToken() does not retry a failing token endpoint on its own", async () => {
  const user = await newUser(world);
  const id = await connect(world, user.id, newGoogleAccount(world, "src"));
  await world.db.query("UPDATE google_accounts SET expires_at = now() WHERE id = $1", [id]);
  const proxy = countingProxy(
    world.sandboxUrl,
    (route) => route === "POST /token" ? 503 : undefined,
  );
  try {
    const services = createServices(world.services.config, world.db, proxy.url);
    await assert.rejects(
      refreshAccessToken(services, user.id, id),
      (err: { response?: { status: number } }) => err.response?.status === 503,
    );
    assert.equal(proxy.count("POST /token"), 1);
    assert.equal((await account(user.id, id)).status, "ok");
  } finally {
    await proxy.close();
  }
});

closesTheFile("connect tests close their world", () => world.close());
