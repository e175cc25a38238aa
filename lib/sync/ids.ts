/** Deterministic identifiers of copies: the same (config, source event) always maps to the same id. */

import { sha256Hex } from "../crypto/hash.ts";

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

function base32hex(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32HEX[(value << (5 - bits)) & 31];
  return out;
}

/**
 * The destination id of the copy of `sourceEventId` made by `configId`: base32hex of SHA-256,
 * 32 characters. `generation` > 0 names a fresh copy after an earlier one was deleted (a deleted
 * id can never be inserted again).
 */
export async function destEventId(
  configId: string,
  sourceEventId: string,
  generation = 0,
): Promise<string> {
  const key = generation === 0
    ? `${configId}\n${sourceEventId}`
    : `${configId}\n${sourceEventId}\n${generation}`;
  return "cs" + base32hex((await sha256(key)).subarray(0, 20));
}

/** A UUID derived from (config, source event): the same on every retry, so hashes stay stable. */
export async function syncClusterId(configId: string, sourceEventId: string): Promise<string> {
  const b = (await sha256(`cluster\n${configId}\n${sourceEventId}`)).subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/** SHA-256 of a value's canonical JSON (object keys sorted), hex. */
export function contentHash(value: unknown): Promise<string> {
  return sha256Hex(canonicalJson(value));
}

/** JSON with object keys sorted and undefined members left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}
