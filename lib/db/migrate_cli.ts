import { ConfigError, loadConfig } from "../config.ts";
import { migrate } from "./migrate.ts";
import { openDb } from "./mod.ts";

try {
  const config = await loadConfig();
  const db = await openDb(config.databaseUrl, config.dataDir);
  const applied = await migrate(db);
  console.log(applied.length ? `Applied migrations ${applied.join(", ")}` : "Schema is up to date");
  await db.close();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  Deno.exit(1);
}
