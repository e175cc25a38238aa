/**
 * Migration 0014 on a populated database: each source/destination slot becomes an account,
 * each config points at them, and the next run re-creates no copy.
 *
 * The "before" database is made as the slots held it: a real sync (through the app's own code,
 * on the test database) copies a calendar with single and recurring events; its rows are then
 * written, in their pre-0014 shape (tokens bound to the slot's name), into a second database
 * migrated up to 0012, which is then migrated to 0014 and synced again.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { decryptToken, encryptToken, loadKeyRing } from "@/lib/crypto/tokens.ts";
import { type AccountRole, getAccountByRole } from "@/lib/db/google_accounts.ts";
import { migrate, readMigrations } from "@/lib/db/migrate.ts";
import { type Db, openDb, type Queryable } from "@/lib/db/mod.ts";
import { getSyncConfigOfAnyUser } from "@/lib/db/sync_configs.ts";
import { createServices } from "@/lib/services.ts";
import { createSyncConfigForUser } from "@/lib/sync/configs.ts";
import { runConfig } from "@/lib/sync/run.ts";
import { consent, newGoogleAccount, newUser, openWorld, type World } from "./_helpers.ts";
import { completeAuthorization } from "@/lib/google/oauth_flow.ts";
import { startRoleAuthorization } from "@/lib/sync/seed_compat.ts";
import { at, googleAs, listEvents } from "../sync_api/_helpers.ts";
import { openBlankPglite } from "../_db.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openWorld();

/** Connects `email` through a seed role, as the slots were filled. */
async function connectRole(w: World, userId: string, role: AccountRole, email: string) {
  const { authorizationUrl } = await startRoleAuthorization(w.services, userId, role);
  const back = await consent(authorizationUrl, email);
  const outcome = await completeAuthorization(w.services, userId, {
    state: back.searchParams.get("state") ?? undefined,
    code: back.searchParams.get("code") ?? undefined,
  });
  assert.equal(outcome.kind, "connected");
}

/** A database of its own, migrated up to `before`, and how to throw it away. */
async function olderDatabase(before: string): Promise<{ db: Db; drop(): Promise<void> }> {
  const url = Deno.env.get("DATABASE_URL");
  const older = (await readMigrations()).filter((m) => m.version < before);
  if (!url?.startsWith("postgres")) {
    const db = await openBlankPglite();
    await migrate(db, older);
    return { db, drop: () => db.close() };
  }
  const name = `calsync_mig_${crypto.randomUUID().slice(0, 8)}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const db = await openDb(target.toString());
  await migrate(db, older);
  return {
    db,
    async drop() {
      await db.close();
      await admin.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** Rows of `from` written into the same table of `to`, with only the columns `to` has. */
async function copyRows(from: Queryable, to: Queryable, table: string, where: string, id: string) {
  const rows = await from.query(`SELECT * FROM ${table} WHERE ${where} = $1`, [id]);
  if (rows.length === 0) return;
  await to.query(
    `INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(null::${table}, $1::text::jsonb)`,
    [JSON.stringify(rows)],
  );
}

/** The user's accounts written into `to` as the two slots held them, tokens bound to the slot. */
async function writeSlots(to: Queryable, userId: string) {
  const ring = await loadKeyRing(world.services.config.encryptionKeys);
  for (const role of ["source", "destination"] as const) {
    const a = (await getAccountByRole(world.db, userId, role))!;
    const reseal = async (value: string, field: "refresh_token" | "access_token") =>
      await encryptToken(
        ring,
        await decryptToken(ring, value, { userId, label: a.token_label, field }),
        { userId, label: role, field },
      );
    await to.query(
      `INSERT INTO oauth_tokens (user_id, account_type, google_email, google_sub,
         refresh_token_enc, access_token_enc, key_version, expires_at, scopes, connected_at,
         updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
      [
        userId,
        role,
        a.google_email,
        a.google_sub,
        await reseal(a.refresh_token_enc, "refresh_token"),
        await reseal(a.access_token_enc!, "access_token"),
        ring.currentVersion,
        a.expires_at,
        a.scopes,
        a.connected_at,
      ],
    );
    const calendars = await world.db.query(
      `SELECT calendar_id, summary, is_primary, access_role FROM calendars WHERE account_id = $1`,
      [a.id],
    );
    for (const c of calendars) {
      await to.query(
        `INSERT INTO calendars (user_id, account_type, calendar_id, summary, is_primary, access_role)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [userId, role, c.calendar_id, c.summary, c.is_primary, c.access_role],
      );
    }
  }
}

Deno.test("migration 0014 turns slots into accounts and re-creates no copy", async (t) => {
  const user = await newUser(world, "migrated");
  const sourceEmail = newGoogleAccount(world, "mig-src");
  const destEmail = newGoogleAccount(world, "mig-dst");
  await connectRole(world, user.id, "source", sourceEmail);
  await connectRole(world, user.id, "destination", destEmail);
  const sourceAccount = (await getAccountByRole(world.db, user.id, "source"))!;
  const destAccount = (await getAccountByRole(world.db, user.id, "destination"))!;
  const source = googleAs(world, sourceEmail);
  const dest = googleAs(world, destEmail);
  const main = (await source.calendarList.list()).data.items!.find((c) => c.primary)!.id!;
  const destMain = (await dest.calendarList.list()).data.items!.find((c) => c.primary)!.id!;
  const created = await createSyncConfigForUser(world.services, user.id, {
    source_account_id: sourceAccount.id,
    source_calendar_id: main,
    dest_account_id: destAccount.id,
    dest_calendar_id: destMain,
  });
  for (let i = 1; i <= 3; i++) {
    await source.events.insert({
      calendarId: main,
      requestBody: {
        summary: `Single ${i}`,
        start: { dateTime: at(i), timeZone: "UTC" },
        end: { dateTime: at(i + 1 / 24), timeZone: "UTC" },
      },
    });
  }
  const { data: series } = await source.events.insert({
    calendarId: main,
    requestBody: {
      summary: "Weekly",
      start: { dateTime: at(2).replace(/:\d\d\.\d+Z$/, ":00"), timeZone: "UTC" },
      end: { dateTime: at(2 + 1 / 24).replace(/:\d\d\.\d+Z$/, ":00"), timeZone: "UTC" },
      recurrence: ["RRULE:FREQ=WEEKLY;COUNT=6"],
    },
  });
  const instances = await source.events.instances({ calendarId: main, eventId: series.id! });
  const moved = instances.data.items![1];
  await source.events.patch({
    calendarId: main,
    eventId: moved.id!,
    requestBody: { summary: "Weekly (moved)" },
  });
  const first = await runConfig(world.services, created, { trigger: "manual" });
  assert.equal(first.status, "success", first.error ?? "");
  assert.ok(first.events_created >= 4, `created ${first.events_created}`);
  const copies = (await listEvents(dest, destMain)).length;
  const [{ n: mappings }] = await world.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM event_mappings WHERE config_id = $1",
    [created.id],
  );

  const older = await olderDatabase("0014");
  try {
    const db = older.db;
    await copyRows(world.db, db, "users", "id", user.id);
    await writeSlots(db, user.id);
    await copyRows(world.db, db, "sync_configs", "id", created.id);
    await copyRows(world.db, db, "event_mappings", "config_id", created.id);
    await copyRows(world.db, db, "sync_logs", "config_id", created.id);
    // A second user whose two slots hold one Google account, and a third whose config lost
    // its source slot to a disconnect (paused).
    const twin = await copyUser(db, "twin");
    const ring = await loadKeyRing(world.services.config.encryptionKeys);
    for (const role of ["source", "destination"]) {
      const owner = { userId: twin, label: role };
      await db.query(
        `INSERT INTO oauth_tokens (user_id, account_type, google_email, google_sub,
           refresh_token_enc, access_token_enc, key_version, updated_at)
         VALUES ($1, $2, 'twin@example.com', 'twin-sub', $3, $4, $5,
           now() - ($2 = 'source')::int * interval '1 hour')`,
        [
          twin,
          role,
          await encryptToken(ring, `refresh-${role}`, { ...owner, field: "refresh_token" }),
          await encryptToken(ring, `access-${role}`, { ...owner, field: "access_token" }),
          ring.currentVersion,
        ],
      );
      await db.query(
        `INSERT INTO calendars (user_id, account_type, calendar_id, summary, access_role)
         VALUES ($1, $2, 'twin@example.com', 'Twin', 'owner'), ($1, $2, 'other', 'Other', 'owner')`,
        [twin, role],
      );
    }
    await db.query(
      `INSERT INTO sync_configs (user_id, source_calendar_id, dest_calendar_id)
       VALUES ($1, 'twin@example.com', 'other')`,
      [twin],
    );
    const orphan = await copyUser(db, "orphan");
    await db.query(
      `INSERT INTO sync_configs (user_id, source_calendar_id, dest_calendar_id, is_active,
         paused_reason)
       VALUES ($1, 'a', 'b', false, 'The source Google account (gone@example.com) was disconnected')`,
      [orphan],
    );

    const upTo0014 = (await readMigrations()).filter((m) => m.version <= "0014");
    assert.deepEqual(await migrate(db, upTo0014), ["0014"]);
    await migrate(db); // the later ones, which the app's code expects as well

    await t.step("each slot is an account, and the config names both", async () => {
      const accounts = await db.query<Record<string, unknown>>(
        `SELECT id, google_email, token_label, status, source_role_at IS NOT NULL AS source_role,
           destination_role_at IS NOT NULL AS destination_role
         FROM google_accounts WHERE user_id = $1 ORDER BY token_label DESC`,
        [user.id],
      );
      assert.deepEqual(accounts.map(({ id: _, ...rest }) => rest), [
        {
          google_email: sourceEmail,
          token_label: "source",
          status: "ok",
          source_role: true,
          destination_role: false,
        },
        {
          google_email: destEmail,
          token_label: "destination",
          status: "ok",
          source_role: false,
          destination_role: true,
        },
      ]);
      const config = (await getSyncConfigOfAnyUser(db, created.id))!;
      assert.equal(config.source_account_id, accounts[0].id);
      assert.equal(config.dest_account_id, accounts[1].id);
      assert.equal(config.source_account_email, sourceEmail);
      assert.equal(config.dest_account_email, destEmail);
      const [{ n }] = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM calendars WHERE user_id = $1 AND account_id IS NOT NULL",
        [user.id],
      );
      assert.equal(n, 4, "both accounts' calendars, cached per account");
      const tables = await db.query(
        "SELECT 1 FROM information_schema.tables WHERE table_name = 'oauth_tokens'",
      );
      assert.equal(tables.length, 0, "the slots table is gone");
    });

    await t.step("two slots of one Google account become one account", async () => {
      const accounts = await db.query<{ id: string; token_label: string }>(
        "SELECT id, token_label FROM google_accounts WHERE user_id = $1",
        [twin],
      );
      assert.equal(accounts.length, 1);
      assert.equal(accounts[0].token_label, "destination", "the tokens written last are kept");
      const [config] = await db.query<Record<string, string>>(
        "SELECT source_account_id, dest_account_id FROM sync_configs WHERE user_id = $1",
        [twin],
      );
      assert.deepEqual(config, {
        source_account_id: accounts[0].id,
        dest_account_id: accounts[0].id,
      });
      const [{ n }] = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM calendars WHERE user_id = $1",
        [twin],
      );
      assert.equal(n, 2, "its calendar list once");
      const ring = await loadKeyRing(world.services.config.encryptionKeys);
      const [row] = await db.query<{ refresh_token_enc: string }>(
        "SELECT refresh_token_enc FROM google_accounts WHERE user_id = $1",
        [twin],
      );
      assert.equal(
        await decryptToken(ring, row.refresh_token_enc, {
          userId: twin,
          label: "destination",
          field: "refresh_token",
        }),
        "refresh-destination",
      );
    });

    await t.step("a config whose slot was empty stays paused, with no account", async () => {
      const [config] = await db.query<Record<string, unknown>>(
        `SELECT source_account_id, dest_account_id, is_active FROM sync_configs
         WHERE user_id = $1`,
        [orphan],
      );
      assert.deepEqual(config, {
        source_account_id: null,
        dest_account_id: null,
        is_active: false,
      });
    });

    await t.step("the next run, with the moved tokens, re-creates no copy", async () => {
      const services = createServices(world.services.config, db, world.sandboxUrl);
      // Make the run refresh its access token: the refresh token must decrypt as moved.
      await db.query("UPDATE google_accounts SET expires_at = now() WHERE user_id = $1", [user.id]);
      const config = (await getSyncConfigOfAnyUser(db, created.id))!;
      const result = await runConfig(services, config, { trigger: "manual" });
      assert.equal(result.status, "success", result.error ?? "");
      assert.deepEqual(
        [result.events_created, result.events_updated, result.events_deleted],
        [0, 0, 0],
      );
      assert.equal((await listEvents(dest, destMain)).length, copies);
      const [{ n }] = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM event_mappings WHERE config_id = $1",
        [created.id],
      );
      assert.equal(n, mappings);
      await source.events.patch({
        calendarId: main,
        eventId: series.id!,
        requestBody: { description: "changed after the migration" },
      });
      const next = await runConfig(services, config, { trigger: "manual" });
      assert.equal(next.status, "success");
      assert.ok(next.events_updated >= 1, "a change still flows");
      assert.equal(next.events_created, 0);
      assert.equal((await listEvents(dest, destMain)).length, copies);
    });
  } finally {
    await older.drop();
  }
});

/** A user of the older database only. */
async function copyUser(db: Queryable, label: string): Promise<string> {
  const id = crypto.randomUUID();
  await db.query("INSERT INTO users (id, email, password_hash) VALUES ($1, $2, 'x')", [
    id,
    `${label}-${id}@cal-sync.test`,
  ]);
  return id;
}

closesTheFile("migration tests close their world", () => world.close());
