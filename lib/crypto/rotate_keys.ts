import type { Db } from "@/lib/db/mod.ts";
import {
  listAccountsNotAtKeyVersion,
  replaceAccountCiphertexts,
} from "@/lib/db/google_accounts.ts";
import { decryptToken, encryptToken, loadKeyRing, type TokenField } from "./tokens.ts";

export interface RotationResult {
  /** Rows now encrypted with the newest key. */
  rotated: number;
  /** Rows that changed meanwhile (a refresh or reconnect wrote them with the newest key). */
  skipped: number;
  /** Rows whose key is no longer configured: they stay as they are until reconnected. */
  failed: Array<{ user_id: string; account_id: string; error: string }>;
}

const BATCH = 200;

/**
 * Re-encrypts every stored token with the newest of `keys` (ENCRYPTION_KEYS, newest first).
 * Safe to run while the app runs: each row is swapped only if it did not change meanwhile.
 * @example const { rotated } = await rotateTokenKeys(db, config.encryptionKeys);
 */
export async function rotateTokenKeys(db: Db, keys: readonly string[]): Promise<RotationResult> {
  const ring = await loadKeyRing(keys);
  const result: RotationResult = { rotated: 0, skipped: 0, failed: [] };
  const failed = new Set<string>();
  for (;;) {
    const rows = (await listAccountsNotAtKeyVersion(db, ring.currentVersion, BATCH + failed.size))
      .filter((row) => !failed.has(row.id));
    if (rows.length === 0) return result;
    const before = result.rotated + result.failed.length;
    for (const row of rows) {
      try {
        const reseal = async (field: TokenField, value: string) => {
          const owner = { userId: row.user_id, label: row.token_label, field };
          return await encryptToken(ring, await decryptToken(ring, value, owner), owner);
        };
        const swapped = await replaceAccountCiphertexts(db, row, {
          refresh_token_enc: await reseal("refresh_token", row.refresh_token_enc),
          access_token_enc: row.access_token_enc === null
            ? null
            : await reseal("access_token", row.access_token_enc),
          key_version: ring.currentVersion,
        });
        if (swapped) result.rotated++;
        else result.skipped++;
      } catch (err) {
        failed.add(row.id);
        result.failed.push({
          user_id: row.user_id,
          account_id: row.id,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    // Rows that others keep rewriting with an old key (a process still on old settings).
    if (result.rotated + result.failed.length === before) return result;
  }
}
