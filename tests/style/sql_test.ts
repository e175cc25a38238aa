/**
 * No SQL outside lib/db: every statement lives beside its table's other statements (issue 11),
 * so a schema change finds all of them in one folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { filesUnder } from "../_suite.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A statement's opening words, or a call that sends text to the database. */
const SQL = [
  /\b(SELECT|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|pg_notify|LISTEN\s+\w|NOTIFY\s+\w)\b/,
  /\b(db|tx|sql|pg)\.(query|exec|unsafe)\s*[(<]/,
];

/** The lines of `source` (comments left out) that hold SQL, as "line: text". */
function sqlLines(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  return code.split("\n").flatMap((line, i) =>
    SQL.some((re) => re.test(line)) ? [`${i + 1}: ${line.trim()}`] : []
  );
}

/** The app's TypeScript under `dir`, tests left out. */
const sourceFiles = (dir: string) =>
  filesUnder(dir, (name) => /\.tsx?$/.test(name) && !name.endsWith("_test.ts"));

Deno.test("the SQL finder sees statements and database calls, not words in comments", () => {
  assert.deepEqual(
    sqlLines(
      [
        "// SELECT what the comment says",
        "/* DELETE FROM nothing */",
        "await db.query(`SELECT 1`);",
        'await db.query<{ n: number }>("SHOW x");',
        "const text = 'DELETE FROM users WHERE id = $1';",
        "await sql.unsafe(text);",
        "const m = /x/.exec(s); c.req.query('v');",
      ].join("\n"),
    ),
    [
      "3: await db.query(`SELECT 1`);",
      '4: await db.query<{ n: number }>("SHOW x");',
      "5: const text = 'DELETE FROM users WHERE id = $1';",
      "6: await sql.unsafe(text);",
    ],
  );
});

Deno.test("no SQL outside lib/db", async () => {
  const files = [
    ...(await sourceFiles("lib")).filter((path) => !path.startsWith("lib/db/")),
    ...await sourceFiles("routes"),
    ...await sourceFiles("islands"),
    ...await sourceFiles("components"),
    "main.ts",
  ];
  assert.ok(files.length > 100, `${files.length} files`);
  const found = [];
  for (const path of files) {
    const lines = sqlLines(await Deno.readTextFile(join(ROOT, path)));
    found.push(...lines.map((line) => `${path}:${line}`));
  }
  assert.deepEqual(found, []);
});
