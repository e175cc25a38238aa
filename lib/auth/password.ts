/** PBKDF2-SHA256 through Web Crypto, OWASP's 2023 figure for this hash. */
export const PASSWORD_ITERATIONS = 600_000;
/** Under APP_ENV=test only (lib/config.ts): the same hash, cheap enough for a test suite. */
export const TEST_PASSWORD_ITERATIONS = 1_000;

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/**
 * Hashes a password with a fresh 16-byte salt into `pbkdf2-sha256$iterations$salt$hash`.
 * @example const stored = await hashPassword("correct horse battery staple");
 */
export async function hashPassword(
  password: string,
  iterations = PASSWORD_ITERATIONS,
): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${toBase64(salt)}$${toBase64(hash)}`;
}

/** Checks a password against a stored hash in constant time for equal-length hashes. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, expected] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !expected) return false;
  const actual = await derive(password, fromBase64(salt), Number(iterations));
  const wanted = fromBase64(expected);
  let difference = actual.length ^ wanted.length;
  for (let i = 0; i < actual.length; i++) difference |= actual[i] ^ (wanted[i] ?? 0);
  return difference === 0;
}
