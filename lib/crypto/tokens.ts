/**
 * Encryption of OAuth tokens at rest: AES-256-GCM through Web Crypto, a random 96-bit IV per
 * value, and the owner of the value (user, account label, field) bound as additional authenticated
 * data, so a ciphertext copied into another row or column does not decrypt.
 *
 * A stored value reads `v1.<key version>.<iv>.<ciphertext>` (base64url). The key version is a
 * fingerprint of the key itself, so it survives reordering `ENCRYPTION_KEYS` when a new key is
 * prepended.
 */

export type TokenField = "refresh_token" | "access_token";

/** Who a value belongs to; all three are authenticated along with the ciphertext. */
export interface TokenOwner {
  userId: string;
  /** The account's `token_label`: its id, or the slot name of a token stored before 0014. */
  label: string;
  field: TokenField;
}

export interface KeyRing {
  /** Version of the newest key: every new value is encrypted with it. */
  readonly currentVersion: number;
  readonly keys: ReadonlyMap<number, CryptoKey>;
}

export class TokenDecryptError extends Error {
  override name = "TokenDecryptError";
}

const FORMAT = "v1";
const IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const rings = new Map<string, Promise<KeyRing>>();

/**
 * Imports base64 32-byte keys, newest first. Rings are cached per key list.
 * @example const ring = await loadKeyRing(config.encryptionKeys);
 */
export function loadKeyRing(base64Keys: readonly string[]): Promise<KeyRing> {
  if (base64Keys.length === 0) throw new Error("Cannot load key ring: no encryption keys");
  const cacheKey = base64Keys.join(",");
  let ring = rings.get(cacheKey);
  if (!ring) {
    ring = buildKeyRing(base64Keys);
    rings.set(cacheKey, ring);
    ring.catch(() => rings.delete(cacheKey));
  }
  return ring;
}

async function buildKeyRing(base64Keys: readonly string[]): Promise<KeyRing> {
  const keys = new Map<number, CryptoKey>();
  let currentVersion = 0;
  for (const [index, encoded] of base64Keys.entries()) {
    const raw = fromBase64(encoded);
    if (raw.length !== 32) throw new Error(`Cannot use encryption key ${index + 1}: not 32 bytes`);
    const version = await keyVersion(raw);
    if (index === 0) currentVersion = version;
    if (keys.has(version)) continue;
    keys.set(
      version,
      await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]),
    );
  }
  return { currentVersion, keys };
}

/** A key's version: the first 31 bits of its SHA-256, a positive 32-bit integer. */
export async function keyVersion(raw: Uint8Array<ArrayBuffer>): Promise<number> {
  const digest = new DataView(await crypto.subtle.digest("SHA-256", raw));
  return digest.getUint32(0) >>> 1;
}

/** Encrypts one token with the newest key. */
export async function encryptToken(
  ring: KeyRing,
  plaintext: string,
  owner: TokenOwner,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const key = ring.keys.get(ring.currentVersion)!;
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: additionalData(owner) },
    key,
    encoder.encode(plaintext),
  );
  return [FORMAT, ring.currentVersion, toBase64Url(iv), toBase64Url(new Uint8Array(sealed))]
    .join(".");
}

/** Decrypts a value of `encryptToken`; TokenDecryptError for an unknown key, tampering or a foreign owner. */
export async function decryptToken(
  ring: KeyRing,
  value: string,
  owner: TokenOwner,
): Promise<string> {
  const { version, iv, sealed } = parse(value);
  const key = ring.keys.get(version);
  if (!key) {
    throw new TokenDecryptError(`Cannot decrypt token: key version ${version} is not configured`);
  }
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: additionalData(owner) },
      key,
      sealed,
    );
    return decoder.decode(plain);
  } catch {
    throw new TokenDecryptError("Cannot decrypt token: wrong key, owner or tampered value");
  }
}

/** The key version a stored value was encrypted with. */
export function versionOf(value: string): number {
  return parse(value).version;
}

function parse(value: string) {
  const parts = value.split(".");
  if (parts.length !== 4 || parts[0] !== FORMAT || !/^\d+$/.test(parts[1])) {
    throw new TokenDecryptError("Cannot decrypt token: not an encrypted value");
  }
  try {
    return {
      version: Number(parts[1]),
      iv: fromBase64Url(parts[2]),
      sealed: fromBase64Url(parts[3]),
    };
  } catch {
    throw new TokenDecryptError("Cannot decrypt token: not an encrypted value");
  }
}

function additionalData(owner: TokenOwner): Uint8Array<ArrayBuffer> {
  return encoder.encode(`cal-sync/oauth-token|${owner.userId}|${owner.label}|${owner.field}`);
}

function fromBase64(value: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
}

function fromBase64Url(value: string): Uint8Array<ArrayBuffer> {
  const b64 = value.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(b64 + "=".repeat((4 - b64.length % 4) % 4));
}

function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}
