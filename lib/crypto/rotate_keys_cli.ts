// `deno task rotate-keys`: re-encrypts every stored OAuth token with the newest ENCRYPTION_KEYS
// entry. Run it after prepending a new key; drop the old key once it reports no failures.
import { ConfigError, loadConfig } from "@/lib/config.ts";
import { migrate } from "@/lib/db/migrate.ts";
import { openDb } from "@/lib/db/mod.ts";
import { rotateTokenKeys } from "./rotate_keys.ts";

try {
  const config = await loadConfig();
  const db = await openDb(config.databaseUrl, config.dataDir);
  try {
    await migrate(db);
    const { rotated, skipped, failed } = await rotateTokenKeys(db, config.encryptionKeys);
    console.log(
      `Re-encrypted ${rotated} connection(s) with the newest key` +
        (skipped ? `; ${skipped} changed meanwhile and already use it` : ""),
    );
    for (const f of failed) {
      console.error(
        `Cannot re-encrypt Google account ${f.account_id} of user ${f.user_id}: ${f.error}`,
      );
    }
    if (failed.length) Deno.exitCode = 1;
  } finally {
    await db.close();
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  Deno.exit(1);
}
