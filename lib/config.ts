import { z } from "zod";
import { PASSWORD_ITERATIONS, TEST_PASSWORD_ITERATIONS } from "@/lib/auth/password.ts";

/** Settings read once from the environment; see the configuration table in README.md. */
export interface Config {
  appEnv: "development" | "production" | "test";
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Where the island bundle is built or found prebuilt (the Docker image prebuilds it). */
  bundleDir: string;
  jwtSecret: string;
  encryptionKeys: string[];
  oauthClientId: string | undefined;
  oauthClientSecret: string | undefined;
  googleSandbox: boolean;
  sandboxPort: number;
  googleRootUrl: string | undefined;
  apiUrl: string;
  frontendUrl: string;
  syncLookaheadDays: number;
  syncConcurrency: number;
  /** Configs the scheduler and the CLI run at once (each run waits mostly on Google and the database). */
  syncWorkers: number;
  googleQuotaPerMinute: number;
  /** Reverse proxies in front of the app: the client address is read from X-Forwarded-For. */
  trustedProxies: number;
  /**
   * How long an instance believes a session token's verdict (lib/auth/session_cache.ts), in
   * seconds; 0 reads the database on every request. The bound on how late another instance
   * refuses a signed-out token, a deleted user or a reset password.
   */
  sessionCacheSeconds: number;
  /**
   * PBKDF2 iterations of a new password hash: OWASP's figure, except under APP_ENV=test, whose
   * hundreds of registrations and sign-ins would spend minutes of CPU on it (a hash records its
   * own count, so checking one follows the count it was made with).
   */
  passwordIterations: number;
  /** Outgoing mail's server (`smtp://` or `smtps://`); unset: development keeps an outbox, production sends none. */
  smtpUrl: string | undefined;
  /** The sender of every email. */
  mailFrom: string;
  /**
   * Where Google delivers push notifications (`{webhookUrl}/api/google/notifications`); undefined:
   * push is off and syncs poll. Production needs HTTPS; the built-in sandbox takes the app's origin.
   */
  webhookUrl: string | undefined;
  /** With a healthy push channel, the polling backstop runs this often (minutes). */
  pushBackstopMinutes: number;
  version: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const wholeNumber = (min: number, max: number) =>
  z.string().regex(/^\d+$/, `expected a whole number ${min}-${max}`).transform(Number).pipe(
    z.number().min(min, `expected a whole number ${min}-${max}`).max(
      max,
      `expected a whole number ${min}-${max}`,
    ),
  );

const url = z.url({ message: "expected an absolute URL such as http://localhost:8000" });

const envSchema = z.object({
  APP_ENV: z.enum(["development", "production", "test"], {
    message: "expected development, production or test",
  }).default("development"),
  PORT: wholeNumber(1, 65535).default(8000),
  DATABASE_URL: z.string().regex(
    /^(postgres(ql)?:\/\/.+|memory:\/\/)$/,
    "expected postgres://user@host:port/db or memory://",
  ).optional(),
  DATA_DIR: z.string().min(1).default(".data"),
  BUNDLE_DIR: z.string().min(1).optional(),
  JWT_SECRET: z.string().optional(),
  ENCRYPTION_KEYS: z.string().optional(),
  ENCRYPTION_KEY: z.string().optional(),
  OAUTH_CLIENT_ID: z.string().min(1).optional(),
  OAUTH_CLIENT_SECRET: z.string().min(1).optional(),
  GOOGLE_SANDBOX: z.enum(["0", "1"], { message: "expected 0 or 1" }).optional(),
  SANDBOX_PORT: wholeNumber(1, 65535).default(8085),
  GOOGLE_ROOT_URL: url.optional(),
  API_URL: url.optional(),
  FRONTEND_URL: url.optional(),
  SYNC_LOOKAHEAD_DAYS: wholeNumber(1, 365).default(90),
  SYNC_CONCURRENCY: wholeNumber(1, 64).default(8),
  SYNC_WORKERS: wholeNumber(1, 256).default(128),
  GOOGLE_QUOTA_PER_MINUTE: wholeNumber(1, 1_000_000).default(600),
  TRUST_PROXY: wholeNumber(0, 10).default(0),
  SESSION_CACHE_SECONDS: wholeNumber(0, 60).default(5),
  SMTP_URL: z.string().refine(
    isSmtpUrl,
    "expected smtp://user:password@host:587 or smtps://host:465",
  )
    .optional(),
  WEBHOOK_URL: url.optional(),
  PUSH_BACKSTOP_MINUTES: wholeNumber(1, 1440).default(60),
  MAIL_FROM: z.string().max(320).regex(
    /^([^\r\n<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/,
    'expected an address such as cal-sync@example.com or "cal-sync <cal-sync@example.com>"',
  ).optional(),
});

type Env = Record<string, string | undefined>;

const SECRET_MIN_LENGTH = 32;

/**
 * Parses and validates the environment. Throws ConfigError with one line naming the variable.
 * In development, missing secrets are generated once into DATA_DIR/secrets.json.
 */
export async function loadConfig(env: Env = Deno.env.toObject()): Promise<Config> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0]);
    throw new ConfigError(`Cannot parse "${name}": ${issue.message}`);
  }
  const e = parsed.data;
  if (Boolean(e.OAUTH_CLIENT_ID) !== Boolean(e.OAUTH_CLIENT_SECRET)) {
    throw new ConfigError(
      `Missing "${e.OAUTH_CLIENT_ID ? "OAUTH_CLIENT_SECRET" : "OAUTH_CLIENT_ID"}": ` +
        "set both OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET, or neither to use the Google sandbox",
    );
  }
  const googleSandbox = e.GOOGLE_SANDBOX ? e.GOOGLE_SANDBOX === "1" : !e.OAUTH_CLIENT_ID;
  if (!googleSandbox && !e.OAUTH_CLIENT_ID) {
    throw new ConfigError(
      'Missing "OAUTH_CLIENT_ID": GOOGLE_SANDBOX=0 needs a Google OAuth client',
    );
  }
  if (e.APP_ENV === "production" && googleSandbox) {
    throw new ConfigError(
      'Cannot use "GOOGLE_SANDBOX" in production: set OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET',
    );
  }

  let jwtSecret = e.JWT_SECRET;
  let keys = (e.ENCRYPTION_KEYS ?? e.ENCRYPTION_KEY)?.split(",").map((k) => k.trim()).filter(
    Boolean,
  );
  if (e.APP_ENV === "production") {
    if (!jwtSecret) throw new ConfigError('Missing "JWT_SECRET": required in production');
    if (!keys?.length) {
      throw new ConfigError('Missing "ENCRYPTION_KEYS": required in production');
    }
  } else if (!jwtSecret || !keys?.length) {
    const dev = await loadDevSecrets(e.DATA_DIR);
    jwtSecret ??= dev.jwtSecret;
    if (!keys?.length) keys = [dev.encryptionKey];
  }
  if (jwtSecret.length < SECRET_MIN_LENGTH) {
    throw new ConfigError(
      `Cannot use "JWT_SECRET": expected at least ${SECRET_MIN_LENGTH} characters`,
    );
  }
  for (const key of keys) {
    if (!isEncryptionKey(key)) {
      throw new ConfigError(
        `Cannot use "${e.ENCRYPTION_KEYS ? "ENCRYPTION_KEYS" : "ENCRYPTION_KEY"}": ` +
          "expected base64 of 32 random bytes (openssl rand -base64 32)",
      );
    }
  }

  const apiUrl = stripSlash(e.API_URL ?? `http://localhost:${e.PORT}`);
  return {
    appEnv: e.APP_ENV,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    bundleDir: e.BUNDLE_DIR ?? `${e.DATA_DIR}/bundles`,
    jwtSecret,
    encryptionKeys: keys,
    oauthClientId: e.OAUTH_CLIENT_ID,
    oauthClientSecret: e.OAUTH_CLIENT_SECRET,
    googleSandbox,
    sandboxPort: e.SANDBOX_PORT,
    googleRootUrl: e.GOOGLE_ROOT_URL,
    apiUrl,
    frontendUrl: stripSlash(e.FRONTEND_URL ?? apiUrl),
    syncLookaheadDays: e.SYNC_LOOKAHEAD_DAYS,
    syncConcurrency: e.SYNC_CONCURRENCY,
    syncWorkers: e.SYNC_WORKERS,
    googleQuotaPerMinute: e.GOOGLE_QUOTA_PER_MINUTE,
    trustedProxies: e.TRUST_PROXY,
    sessionCacheSeconds: e.SESSION_CACHE_SECONDS,
    passwordIterations: e.APP_ENV === "test" ? TEST_PASSWORD_ITERATIONS : PASSWORD_ITERATIONS,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM ?? `cal-sync <no-reply@${new URL(apiUrl).hostname}>`,
    webhookUrl: webhookUrlOf(e.APP_ENV, googleSandbox, e.WEBHOOK_URL, apiUrl),
    pushBackstopMinutes: e.PUSH_BACKSTOP_MINUTES,
    version: VERSION,
  };
}

/**
 * Push is on with an HTTPS WEBHOOK_URL; in production an http one (Google refuses it) turns it
 * off. The built-in sandbox takes http, and without WEBHOOK_URL delivers to the app's own origin
 * in development (`deno task start` is live out of the box; tests say whether they want push).
 */
function webhookUrlOf(
  appEnv: string,
  sandbox: boolean,
  value: string | undefined,
  apiUrl: string,
): string | undefined {
  if (value) {
    const https = value.startsWith("https:");
    return https || (sandbox && appEnv !== "production") ? stripSlash(value) : undefined;
  }
  return sandbox && appEnv === "development" ? apiUrl : undefined;
}

export const VERSION = "0.1.0";

function stripSlash(value: string): string {
  return value.replace(/\/+$/, "");
}

function isSmtpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "smtp:" || url.protocol === "smtps:") && url.hostname !== "";
  } catch {
    return false;
  }
}

function isEncryptionKey(value: string): boolean {
  try {
    return Uint8Array.from(atob(value), (c) => c.charCodeAt(0)).length === 32;
  } catch {
    return false;
  }
}

function randomBase64(bytes: number): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))));
}

async function loadDevSecrets(
  dataDir: string,
): Promise<{ jwtSecret: string; encryptionKey: string }> {
  const file = `${dataDir}/secrets.json`;
  try {
    return JSON.parse(await Deno.readTextFile(file));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const secrets = { jwtSecret: randomBase64(48), encryptionKey: randomBase64(32) };
  await Deno.mkdir(dataDir, { recursive: true });
  await Deno.writeTextFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  console.log(
    `Generated development secrets (JWT_SECRET, ENCRYPTION_KEY) into ${file}; set them yourself in production`,
  );
  return secrets;
}
