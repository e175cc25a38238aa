/**
 * Limits on password guessing and on registrations, kept in the database (`rate_limits`) so that
 * every instance of the app counts together: a guesser gains nothing by landing on another one.
 *
 * The design, and why. A fixed lockout per account ("5 failures, then 15 minutes") lets anyone
 * lock the owner out by typing their email, and a fixed lockout per address locks out everyone
 * behind one NAT. Instead every sign-in attempt is counted under three keys, each with its own
 * allowance and then waits that double up to 15 minutes (a slow-down, never a lockout):
 *
 * - **address + account** — a guesser on one account from one address: 5 free attempts, then
 *   30 s, 1 min, 2 min, … The owner's own typos land here too, and a correct password clears it.
 * - **address** — one address trying many accounts (credential stuffing): 20 free attempts.
 * - **account** — many addresses trying one account (a botnet): 10 free attempts, but its wait
 *   only holds back addresses that have themselves failed twice on this account. An address
 *   that is not failing (the owner at home, even after one typo) always gets its attempt, so
 *   nobody can lock the owner out; a botnet gets two guesses per address, then each of its
 *   addresses waits the account's wait.
 *
 * An address that signed in to an account in the last 30 days is *known* for it: neither the
 * address's wait nor the account's holds it back (only its own address + account wait does), so
 * colleagues behind the NAT of a guesser, and the owner at their usual address, still get in.
 *
 * An attempt spends from every key *before* the password is checked (and gets its spending back
 * when the password is right), all in one transaction with the rows locked: concurrent attempts
 * queue instead of slipping through one free slot together, and the answer to a guess that has
 * to wait is the same 429 whether the password was right or not, so waiting cannot be skipped by
 * watching which guess is refused. A key with no attempt for an hour starts again from nothing.
 *
 * Registrations (600,000-iteration hashes) are counted per address the same way: 20 free, then
 * waits from 30 s. Addresses are counted per IPv4 address and per IPv6 /64, the block a single
 * host usually holds. Keys are stored as SHA-256 digests: the table holds no address and no email.
 */
import { sha256Hex } from "../crypto/hash.ts";
import type { Db, Queryable } from "../db/mod.ts";
import {
  deleteExpiredRateLimits,
  deleteRateLimit,
  holdRateLimitKey,
  isRateLimitLive,
  lockRateLimits,
  refundRateLimit,
  setRateLimit,
} from "../db/rate_limits.ts";

/** How one kind of key is slowed down. */
export interface LimitRule {
  /** Attempts a key may spend before any wait. */
  free: number;
  /** The wait after the first attempt past `free`; each further one doubles it. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** A key with no attempt for this long starts again from nothing. */
  forgetAfterMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const slowDown = (free: number): LimitRule => ({
  free,
  firstDelayMs: 30 * SECOND,
  maxDelayMs: 15 * MINUTE,
  forgetAfterMs: HOUR,
});

export const SIGN_IN_RULES = {
  pair: slowDown(5),
  address: slowDown(20),
  account: slowDown(10),
} satisfies Record<string, LimitRule>;

export const REGISTRATION_RULE: LimitRule = slowDown(20);

/**
 * Password-reset requests: each sends an email, so an address gets 20 and an account (counted
 * whether or not it exists, so the limit says nothing of which emails are registered) 3 before
 * the waits begin.
 */
export const PASSWORD_RESET_RULES = {
  resetAddress: slowDown(20),
  resetAccount: { ...slowDown(3), firstDelayMs: MINUTE },
} satisfies Record<string, LimitRule>;

/** Failures of one address on one account after which the account's wait holds it back too. */
const ACCOUNT_WAIT_FROM = 2;

/** How long a successful sign-in makes its address known for that account. */
const KNOWN_FOR_MS = 30 * 24 * HOUR;

/** How long a key waits after spending its `attempts`-th attempt, in milliseconds. */
export function delayAfter(rule: LimitRule, attempts: number): number {
  if (attempts < rule.free) return 0;
  return Math.min(rule.maxDelayMs, rule.firstDelayMs * 2 ** (attempts - rule.free));
}

/**
 * The part of a client address that identifies one client: an IPv4 address as it is, an IPv6
 * address by its /64 (one host usually holds a whole /64), an IPv4-mapped IPv6 address as IPv4.
 */
export function addressKey(address: string): string {
  const plain = address.trim().toLowerCase().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const mapped = plain.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped) return mapped[1];
  if (!plain.includes(":")) return plain;
  const [head, tail = ""] = plain.split("::");
  const left = head ? head.split(":") : [];
  const right = plain.includes("::") && tail ? tail.split(":") : [];
  const groups = plain.includes("::")
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

interface Counter {
  attempts: number;
  blockedUntil: number;
}

/** One sign-in attempt: refused with a wait, or allowed and to be reported when it succeeds. */
export type SignInAttempt =
  | { allowed: false; retryAfterSeconds: number }
  | { allowed: true; succeeded(): Promise<void> };

/** The limits on sign-ins and registrations (see the top of this file). */
export class RateLimits {
  constructor(
    readonly db: Db,
    readonly rules: {
      pair: LimitRule;
      address: LimitRule;
      account: LimitRule;
      registration: LimitRule;
      resetAddress: LimitRule;
      resetAccount: LimitRule;
    } = { ...SIGN_IN_RULES, registration: REGISTRATION_RULE, ...PASSWORD_RESET_RULES },
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Spends a sign-in attempt of `account` from `address`, or says how long to wait. The caller
   * checks the password only when allowed, and calls `succeeded()` when it was right.
   */
  async beginSignIn(address: string, account: string): Promise<SignInAttempt> {
    const client = addressKey(address);
    const email = account.trim().toLowerCase();
    const pair = await digest("pair", `${client}\n${email}`);
    const byAddress = await digest("ip", client);
    const byAccount = await digest("email", email);
    const known = await digest("known", `${client}\n${email}`);
    const now = this.now();
    const wait = await this.#locked([pair, byAddress, byAccount], now, async (counters, tx) => {
      const isKnown = await isRateLimitLive(tx, known, new Date(now));
      const failingHere = counters.get(pair)!.attempts >= ACCOUNT_WAIT_FROM;
      const wait = Math.max(
        counters.get(pair)!.blockedUntil - now,
        isKnown ? 0 : counters.get(byAddress)!.blockedUntil - now,
        failingHere && !isKnown ? counters.get(byAccount)!.blockedUntil - now : 0,
      );
      if (wait > 0) return wait;
      await this.#spend(tx, pair, counters.get(pair)!, this.rules.pair, now);
      await this.#spend(tx, byAddress, counters.get(byAddress)!, this.rules.address, now);
      await this.#spend(tx, byAccount, counters.get(byAccount)!, this.rules.account, now);
      return 0;
    });
    if (wait > 0) return { allowed: false, retryAfterSeconds: Math.ceil(wait / SECOND) };
    return {
      allowed: true,
      succeeded: async () => {
        // The owner's typos are forgiven; the address and the account get back only what this
        // attempt spent, so a success of one account does not wipe a guesser's count.
        const at = new Date(this.now());
        await deleteRateLimit(this.db, pair);
        await holdRateLimitKey(this.db, known, at, new Date(at.getTime() + KNOWN_FOR_MS));
        await refundRateLimit(this.db, byAddress, at);
        await refundRateLimit(this.db, byAccount);
      },
    };
  }

  /** Spends a registration from `address`: 0 when it may go ahead, else seconds to wait. */
  async takeRegistration(address: string): Promise<number> {
    const key = await digest("register", addressKey(address));
    const now = this.now();
    const wait = await this.#locked([key], now, async (counters, tx) => {
      const counter = counters.get(key)!;
      if (counter.blockedUntil > now) return counter.blockedUntil - now;
      await this.#spend(tx, key, counter, this.rules.registration, now);
      return 0;
    });
    return Math.ceil(wait / SECOND);
  }

  /**
   * Spends a password-reset request for `account` from `address`: 0 when it may go ahead, else
   * seconds to wait (the longer of the two keys' waits).
   */
  async takePasswordReset(address: string, account: string): Promise<number> {
    const byAddress = await digest("reset-ip", addressKey(address));
    const byAccount = await digest("reset-email", account.trim().toLowerCase());
    const now = this.now();
    const wait = await this.#locked([byAddress, byAccount], now, async (counters, tx) => {
      const wait = Math.max(
        counters.get(byAddress)!.blockedUntil - now,
        counters.get(byAccount)!.blockedUntil - now,
      );
      if (wait > 0) return wait;
      await this.#spend(tx, byAddress, counters.get(byAddress)!, this.rules.resetAddress, now);
      await this.#spend(tx, byAccount, counters.get(byAccount)!, this.rules.resetAccount, now);
      return 0;
    });
    return Math.ceil(wait / SECOND);
  }

  /** Runs `fn` over the keys' counters with their rows locked; forgotten keys count from zero. */
  async #locked(
    keys: string[],
    now: number,
    fn: (counters: Map<string, Counter>, tx: Queryable) => Promise<number>,
  ): Promise<number> {
    const wait = await this.db.transaction(async (tx) => {
      const rows = await lockRateLimits(tx, keys, new Date(now));
      const counters = new Map<string, Counter>(rows.map((row) => {
        const forgotten = new Date(row.expires_at).getTime() <= now;
        return [row.key, {
          attempts: forgotten ? 0 : row.attempts,
          blockedUntil: forgotten ? 0 : new Date(row.blocked_until).getTime(),
        }];
      }));
      return await fn(counters, tx);
    });
    // Keys nobody used for an hour are dropped on the way; no scheduled job is needed.
    await deleteExpiredRateLimits(this.db, new Date(now));
    return wait;
  }

  async #spend(tx: Queryable, key: string, counter: Counter, rule: LimitRule, now: number) {
    const attempts = counter.attempts + 1;
    await setRateLimit(tx, key, {
      attempts,
      blockedUntil: new Date(now + delayAfter(rule, attempts)),
      expiresAt: new Date(now + rule.forgetAfterMs),
    });
  }
}

function digest(scope: string, key: string): Promise<string> {
  return sha256Hex(`${scope}:${key}`);
}
