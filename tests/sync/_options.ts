/** Changing a test pair's options as PATCH /api/sync/config does. */
import assert from "node:assert/strict";
import type { Pair } from "./_helpers.ts";
import { getSyncConfigOfAnyUser, updateSyncConfig } from "@/lib/db/sync_configs.ts";
import { configPatch, type SyncConfigChange } from "@/lib/sync/configs.ts";

export async function setOptions(p: Pair, change: SyncConfigChange) {
  const config = (await getSyncConfigOfAnyUser(p.db, p.config.id))!;
  const updated = await updateSyncConfig(
    p.db,
    config.id,
    config.user_id,
    configPatch(config, change),
  );
  assert.ok(updated);
  return updated;
}
