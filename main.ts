import { join } from "node:path";
import webConfig from "@/fresh.config.ts";
import manifest from "@/fresh.gen.ts";
import { type Config, ConfigError, loadConfig } from "@/lib/config.ts";
import { migrate } from "@/lib/db/migrate.ts";
import { openDb } from "@/lib/db/mod.ts";
import { errorFields, log, setJsonLogs } from "@/lib/log.ts";
import { MAIL_OFF_MESSAGE } from "@/lib/mail/mod.ts";
import { startSandbox } from "@/lib/sandbox/mod.ts";
import { createServices, type Services } from "@/lib/services.ts";
import { recoverSyncLeases } from "@/lib/sync/lease.ts";
import { startScheduler } from "@/lib/sync/scheduler.ts";
import { pushEnabled } from "@/lib/sync/push.ts";
import { startPushWorker } from "@/lib/sync/push_worker.ts";
import { createWebApp } from "@/lib/web/app.ts";

/** The whole web app (pages and `/api`) over the given services; tests call `app.request()`. */
export async function createApp(services: Services, options: { bundle?: boolean } = {}) {
  return await createWebApp(manifest, {
    ...webConfig,
    state: () => ({ requestId: crypto.randomUUID(), services }),
    bundleDir: services.config.bundleDir,
    bundle: options.bundle,
    trustedProxies: services.config.trustedProxies,
    publicOrigin: services.config.apiUrl,
    onError: (error, info) => log.error("Unhandled error", { ...info, ...errorFields(error) }),
  });
}

/** Starts the Google sandbox when the config asks for it; returns where Google's clients go. */
async function startGoogle(config: Config) {
  if (!config.googleSandbox) return { rootUrl: config.googleRootUrl, close: async () => {} };
  const dataFile = config.databaseUrl === "memory://" ? null : join(config.dataDir, "sandbox.json");
  const sandbox = await startSandbox({
    port: config.sandboxPort,
    dataFile,
    quotaPerMinute: config.googleQuotaPerMinute,
    // Push goes to this app on plain localhost; Google itself would insist on HTTPS.
    allowHttpWebhooks: true,
  });
  log.info(
    `Google is SIMULATED: the built-in Google sandbox serves OAuth and Calendar v3 at ${sandbox.url}` +
      (config.googleRootUrl ? ` (the app's Google clients go to ${config.googleRootUrl})` : ""),
  );
  return { rootUrl: config.googleRootUrl ?? sandbox.url, close: sandbox.close };
}

async function boot() {
  let config: Config;
  try {
    config = await loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    Deno.exit(1);
  }
  setJsonLogs(config.appEnv === "production");

  const db = await openDb(config.databaseUrl, config.dataDir);
  const applied = await migrate(db);
  if (applied.length) log.info(`Applied migrations ${applied.join(", ")}`);
  // A process killed mid-run leaves its leases behind: they must not block "Sync now".
  await recoverSyncLeases(db);
  const google = await startGoogle(config);
  const services = createServices(config, db, google.rootUrl);
  const app = await createApp(services);
  if (services.mailer.mode === "off") log.warn(MAIL_OFF_MESSAGE);
  startScheduler(services);
  // Push on (WEBHOOK_URL, or the built-in sandbox): a worker runs what a notification made due.
  const pushWorker = pushEnabled(services) ? await startPushWorker(services) : undefined;
  if (!pushEnabled(services)) {
    log.info("Push is off (no HTTPS WEBHOOK_URL): syncs run on their polling interval");
  }

  const server = Deno.serve({
    port: config.port,
    onListen: () =>
      log.info(
        `cal-sync ${config.version} listening on ${config.apiUrl} ` +
          `(database: ${
            db.kind === "pglite" ? `embedded PGlite in ${config.dataDir}` : "PostgreSQL"
          })`,
      ),
  }, (req, info) => app.fetch(req, info));

  const stop = async () => {
    await server.shutdown();
    await pushWorker?.stop();
    await google.close();
    services.mailer.close();
    await services.events.close();
    await db.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}

if (import.meta.main) await boot();
