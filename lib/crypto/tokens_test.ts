import assert from "node:assert/strict";
import {
  decryptToken,
  encryptToken,
  loadKeyRing,
  TokenDecryptError,
  type TokenOwner,
  versionOf,
} from "./tokens.ts";

const keyA = btoa(String.fromCharCode(...new Uint8Array(32).fill(1)));
const keyB = btoa(String.fromCharCode(...new Uint8Array(32).fill(2)));
const owner: TokenOwner = { userId: "u1", label: "source", field: "refresh_token" };

Deno.test("encryptToken() round-trips and never contains the plaintext", async () => {
  const ring = await loadKeyRing([keyA]);
  const value = await encryptToken(ring, "1//refresh-secret", owner);
  assert.ok(!value.includes("refresh-secret"));
  assert.equal(await decryptToken(ring, value, owner), "1//refresh-secret");
  assert.notEqual(await encryptToken(ring, "1//refresh-secret", owner), value, "random IV");
});

Deno.test("decryptToken() refuses a value bound to another user, account type or field", async () => {
  const ring = await loadKeyRing([keyA]);
  const value = await encryptToken(ring, "secret", owner);
  for (
    const other of [
      { ...owner, userId: "u2" },
      { ...owner, label: "destination" },
      { ...owner, field: "access_token" as const },
    ]
  ) {
    await assert.rejects(decryptToken(ring, value, other), TokenDecryptError);
  }
  const tampered = value.slice(0, -2) + (value.endsWith("A") ? "BB" : "AA");
  await assert.rejects(decryptToken(ring, tampered, owner), TokenDecryptError);
});

Deno.test("loadKeyRing() key versions survive prepending a new key", async () => {
  const old = await loadKeyRing([keyA]);
  const rotated = await loadKeyRing([keyB, keyA]);
  const value = await encryptToken(old, "secret", owner);
  assert.equal(versionOf(value), old.currentVersion);
  assert.notEqual(rotated.currentVersion, old.currentVersion);
  assert.equal(await decryptToken(rotated, value, owner), "secret");
  assert.equal(versionOf(await encryptToken(rotated, "x", owner)), rotated.currentVersion);
  await assert.rejects(
    decryptToken(await loadKeyRing([keyB]), value, owner),
    /key version \d+ is not configured/,
  );
});
