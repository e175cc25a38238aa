/** The sandbox's whole state: one JSON-serializable object, saved to a file or kept in memory. */

export type AccessRole = "owner" | "writer" | "reader" | "freeBusyReader";

export interface Account {
  email: string;
  sub: string;
  name: string;
  /** Calendar ids in calendarList order; the first is the primary calendar. */
  calendarIds: string[];
}

export interface Calendar {
  id: string;
  summary: string;
  description?: string;
  timeZone: string;
  colorId: string;
  backgroundColor: string;
  foregroundColor: string;
  /** Email of the account whose primary calendar this is, if any. */
  primaryOf?: string;
  access: Record<string, AccessRole>;
  /** Bumped to invalidate every sync token of the calendar. */
  tokenGeneration: number;
  events: Record<string, StoredEvent>;
  /** Insertion order of event ids, for a stable default listing order. */
  order: string[];
}

/** A Google event resource plus bookkeeping fields that start with `_`. */
export interface StoredEvent {
  id: string;
  status: "confirmed" | "tentative" | "cancelled";
  /** Change counter at the last write: incremental listings return events with a higher one. */
  _seq: number;
  /** Set when the event was deleted (not merely a cancelled instance). */
  _deleted?: boolean;
  // deno-lint-ignore no-explicit-any
  [field: string]: any;
}

export interface Grant {
  id: string;
  email: string;
  clientId: string;
  scope: string;
  revoked: boolean;
}

export interface AccessToken {
  grantId: string | null;
  email: string;
  clientId: string;
  scope: string;
  expiresAt: number;
}

export interface AuthCode {
  email: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  offline: boolean;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  expiresAt: number;
  used: boolean;
}

export interface State {
  /** Random per state; sync and page tokens from another epoch are invalid. */
  epoch: string;
  seq: number;
  accounts: Record<string, Account>;
  calendars: Record<string, Calendar>;
  grants: Record<string, Grant>;
  refreshTokens: Record<string, string>;
  accessTokens: Record<string, AccessToken>;
  codes: Record<string, AuthCode>;
  /** RSA private key (JWK) signing id_tokens. */
  signingKey?: JsonWebKey & { kid?: string };
}

/** A fresh, empty state. */
export function emptyState(): State {
  return {
    epoch: randomId(8),
    seq: 1,
    accounts: {},
    calendars: {},
    grants: {},
    refreshTokens: {},
    accessTokens: {},
    codes: {},
  };
}

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

/** A random lowercase base32hex string, the alphabet of Google event ids. */
export function randomId(length = 26): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => BASE32HEX[b & 31]).join("");
}

/** A random URL-safe token. */
export function randomToken(bytes = 24): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** Encodes a value as an opaque URL-safe token. */
export function encodeToken(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes `encodeToken` output, or null. */
export function decodeToken<T>(token: string): T | null {
  try {
    const b64 = token.replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(b64 + "=".repeat((4 - b64.length % 4) % 4))) as T;
  } catch {
    return null;
  }
}
