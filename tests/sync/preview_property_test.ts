/**
 * The preview is the next run: over random sources, random source edits and random option
 * changes, the counts a preview shows (a dry run of the planner, nothing written) equal what the
 * real run after saving the change does. SYNC_PREVIEW_RUNS sets the number of cases (default 12
 * in CI); SYNC_PREVIEW_SEED (with SYNC_PREVIEW_PATH, both printed by a failure) replays one.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { at, type Event, makePair, type Pair, testSandbox } from "./_helpers.ts";
import { getSyncConfigOfAnyUser } from "@/lib/db/sync_configs.ts";
import { configPatch, type SyncConfigChange } from "@/lib/sync/configs.ts";
import { setOptions } from "./_options.ts";

const TITLES = ["Standup", "Lunch", "Dentist", "Review", "1:1"];

type Source = {
  title: number;
  day: number;
  allDay: boolean;
  free: boolean;
  declined: boolean;
  series: boolean;
  /** A series' second occurrence retitled to this title (an exception). */
  edited: number | null;
}[];

const sourceEvent = fc.record({
  title: fc.nat(TITLES.length - 1),
  day: fc.integer({ min: -1, max: 25 }),
  allDay: fc.boolean(),
  free: fc.boolean(),
  declined: fc.boolean(),
  series: fc.boolean(),
  edited: fc.option(fc.nat(TITLES.length - 1)),
});

const change: fc.Arbitrary<SyncConfigChange> = fc.record({
  privacy: fc.constantFrom("full" as const, "busy" as const),
  title_prefix: fc.constantFrom("", "[W] "),
  copy_description: fc.boolean(),
  copy_location: fc.boolean(),
  dest_color_id: fc.constantFrom(null, "3"),
  sync_lookahead_days: fc.constantFrom(10, 20),
  filters: fc.record({
    skip_declined: fc.boolean(),
    skip_free: fc.boolean(),
    skip_all_day: fc.boolean(),
    exclude_titles: fc.subarray(["lunch", "1:1"]),
    include_titles: fc.constantFrom([], ["e"], ["standup", "review"]),
  }),
}, { requiredKeys: [] });

/** Deno.test options: the defaults, sanitizers on (withPair closes each sandbox it starts). */
const opts = {};

async function addAll(p: Pair, source: Source) {
  const ids: string[] = [];
  for (const e of source) {
    const body: Event = {
      summary: TITLES[e.title],
      description: "notes",
      location: "Room",
      transparency: e.free ? "transparent" : undefined,
      attendees: e.declined ? [{ email: p.sourceCal, self: true, responseStatus: "declined" }] : [],
      ...(e.allDay
        ? { start: { date: at(e.day).slice(0, 10) }, end: { date: at(e.day + 1).slice(0, 10) } }
        : {
          start: { dateTime: at(e.day + 0.3), timeZone: "UTC" },
          end: { dateTime: at(e.day + 0.35), timeZone: "UTC" },
        }),
      ...(e.series ? { recurrence: ["RRULE:FREQ=WEEKLY;COUNT=3"] } : {}),
    };
    const id = (await p.source.events.insert({ calendarId: p.sourceCal, requestBody: body })).data
      .id!;
    ids.push(id);
    if (e.series && e.edited !== null) {
      const inst = (await p.source.events.instances({ calendarId: p.sourceCal, eventId: id })).data
        .items!;
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: inst[1].id!,
        requestBody: { summary: `${TITLES[e.edited]} (moved)` },
      });
    }
  }
  return ids;
}

async function previewOfChange(p: Pair, c: SyncConfigChange) {
  const config = (await getSyncConfigOfAnyUser(p.db, p.config.id))!;
  const patch = configPatch(config, c);
  const result = await p.sync({
    dryRun: true,
    config: {
      ...config,
      sync_lookahead_days: patch.sync_lookahead_days ?? config.sync_lookahead_days,
      options: patch.options ?? config.options,
      filters: patch.filters ?? config.filters,
      sync_token: null,
      window_end: null,
    },
  });
  return result.preview!;
}

Deno.test("a preview's counts are the next real run's", opts, async () => {
  const sb = await testSandbox();
  const runs = Number(Deno.env.get("SYNC_PREVIEW_RUNS") ?? 12);
  const seed = Deno.env.get("SYNC_PREVIEW_SEED");
  const path = Deno.env.get("SYNC_PREVIEW_PATH");
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(sourceEvent, { maxLength: 12 }),
        change,
        change,
        fc.array(sourceEvent, { maxLength: 4 }),
        fc.nat(),
        fc.option(fc.nat()),
        async (source, first, second, added, dropSeed, cancelSeed) => {
          const p = await makePair(sb, 20);
          const ids = await addAll(p, source);
          await setOptions(p, first);
          await p.sync();
          // The source moves on between the runs too: an event deleted, one occurrence of a
          // series (its last) cancelled, events added.
          await addAll(p, added);
          const series = ids.filter((_, i) => source[i].series);
          if (cancelSeed !== null && series.length) {
            const seriesId = series[cancelSeed % series.length];
            const inst = (await p.source.events.instances({
              calendarId: p.sourceCal,
              eventId: seriesId,
            })).data.items!;
            await p.source.events.delete({ calendarId: p.sourceCal, eventId: inst[2].id! });
          }
          if (ids.length) {
            await p.source.events.delete({
              calendarId: p.sourceCal,
              eventId: ids[dropSeed % ids.length],
            });
          }
          const preview = await previewOfChange(p, second);
          await setOptions(p, { ...second, confirm_removals: true });
          const real = await p.sync();
          assert.equal(real.status, "success");
          // Writes are equal. Skips: the preview lists the whole window, while a run whose
          // options did not change lists only what changed, so it skips at most as many.
          const { skip, ...writes } = preview.counts;
          assert.deepEqual(
            writes,
            {
              create: real.events_created,
              update: real.events_updated,
              delete: real.events_deleted,
            },
            JSON.stringify({ preview, real }),
          );
          assert.ok(
            skip >= real.events_skipped,
            `preview skips ${skip}, run ${real.events_skipped}`,
          );
        },
      ),
      { numRuns: runs, ...(seed ? { seed: Number(seed) } : {}), ...(path ? { path } : {}) },
    );
  } finally {
    await sb.close();
  }
});
