import { RateLimits } from "./auth/rate_limit.ts";
import { DEFAULT_SESSION_CACHE_ENTRIES, SessionCache } from "./auth/session_cache.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db/mod.ts";
import { createMailer, type Mailer } from "./mail/mod.ts";
import { EventHub } from "./http/events.ts";

/** What a request handler, the scheduler and the CLI share: built once per process. */
export interface Services {
  config: Config;
  db: Db;
  /** Where Google's clients go: Google itself, the sandbox, or GOOGLE_ROOT_URL. Ends in "/". */
  googleRootUrl: string | undefined;
  /** Sign-in and registration limits, counted in the database (lib/auth/rate_limit.ts). */
  rateLimits: RateLimits;
  /** The verdicts on session tokens of the last few seconds (lib/auth/session_cache.ts). */
  sessions: SessionCache;
  /** Outgoing email: SMTP, the development outbox, or off (lib/mail/mod.ts). */
  mailer: Mailer;
  /** The users' live streams, fed by the database's NOTIFYs (lib/http/events.ts). */
  events: EventHub;
}

/** Assembles the services of one process. `googleRootUrl` undefined means Google's own hosts. */
export function createServices(
  config: Config,
  db: Db,
  googleRootUrl: string | undefined,
): Services {
  return {
    config,
    db,
    googleRootUrl,
    rateLimits: new RateLimits(db),
    sessions: new SessionCache({
      ttlMs: config.sessionCacheSeconds * 1000,
      maxEntries: DEFAULT_SESSION_CACHE_ENTRIES,
    }),
    mailer: createMailer(config),
    events: new EventHub(db),
  };
}
