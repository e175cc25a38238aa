/**
 * The worker that runs configs a push message made due, within a second instead of at the next
 * minute tick: it wakes on a notification (in-process, and PostgreSQL LISTEN across instances),
 * and otherwise wakes every `pollMs` to keep its channels (the minute tick runs the schedule). It claims through the scheduler's own path
 * (`runDueSyncs`: `FOR UPDATE SKIP LOCKED` and the run lease), so any number of instances run a
 * config once at a time. Each minute it also renews, replaces and stops channels (lib/sync/push.ts).
 */
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { replaceSilentChannels, watchCalendars } from "./push.ts";
import { onWake, WAKE_CHANNEL } from "./push_wake.ts";
import { runDueSyncs, TICK_BUDGET_MS } from "./scheduler.ts";

export interface PushWorkerOptions {
  /** How often the loop wakes without a notification, to keep its channels (default 1 s on PGlite, 5 s on PostgreSQL). */
  pollMs?: number;
  /** How often channels are renewed and reconciled (default a minute). */
  maintainMs?: number;
  concurrency?: number;
  /** How long a wake-up waits for the rest of its burst before claiming (default 150 ms). */
  coalesceMs?: number;
}

const COALESCE_MS = 150;

export interface PushWorker {
  /** Stops waiting and waits for the pass in progress. */
  stop(): Promise<void>;
}

/**
 * Starts the worker loop of this process.
 * @example const worker = await startPushWorker(services); … await worker.stop();
 */
export async function startPushWorker(
  services: Services,
  opts: PushWorkerOptions = {},
): Promise<PushWorker> {
  const { db } = services;
  const alarm = new WakeAlarm();
  const wake = () => alarm.ring();
  const offWake = onWake(wake);
  const unlisten = db.kind === "postgres" ? await db.listen(WAKE_CHANNEL, wake) : undefined;
  const running = workerLoop(services, opts, alarm);
  return {
    async stop() {
      alarm.stopped = true;
      alarm.ring();
      offWake();
      await running;
      await unlisten?.();
    },
  };
}

/** What the loop waits on: a wake-up (a notification, or `stop()`) or its poll interval. */
class WakeAlarm {
  /** A notification came since the last drain (the first pass drains what is already due). */
  woken = true;
  stopped = false;
  #cut: () => void = () => {};

  ring(): void {
    this.woken = true;
    this.#cut();
  }

  /** Sleeps `ms`, or less when `ring()` is called meanwhile. */
  async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#cut = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#cut = () => {};
  }
}

/** Keeps the channels each `maintainMs`, and drains the due configs after each notification. */
async function workerLoop(
  services: Services,
  opts: PushWorkerOptions,
  alarm: WakeAlarm,
): Promise<void> {
  const pollMs = opts.pollMs ?? (services.db.kind === "pglite" ? 1000 : 5000);
  const maintainMs = opts.maintainMs ?? 60_000;
  const owner = `push:${crypto.randomUUID()}`;
  let maintainedAt = 0;
  while (!alarm.stopped) {
    if (Date.now() - maintainedAt >= maintainMs) {
      maintainedAt = Date.now();
      await watchCalendars(services);
    }
    // Only a notification: what the schedule makes due is the minute tick's (startScheduler).
    if (alarm.woken) {
      // A burst of messages arrives over a few hundred ms: one run takes them all.
      await new Promise((r) => setTimeout(r, opts.coalesceMs ?? COALESCE_MS));
      alarm.woken = false;
      await drain(services, owner, opts.concurrency);
      continue;
    }
    await alarm.sleep(pollMs);
  }
}

async function drain(services: Services, owner: string, concurrency?: number): Promise<void> {
  try {
    const runs = await runDueSyncs(services, {
      owner,
      trigger: "schedule",
      concurrency,
      deadline: Date.now() + TICK_BUDGET_MS,
    });
    if (runs.length) log.info("Due syncs ran", { configs: runs.length });
    await replaceSilentChannels(
      services,
      runs.flatMap(({ config, result }) =>
        result
          ? [{
            config,
            changed: result.events_created + result.events_updated + result.events_deleted,
          }]
          : []
      ),
    );
  } catch (err) {
    log.error("Due syncs failed", { error: err instanceof Error ? err.message : String(err) });
  }
}
