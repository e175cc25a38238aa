/**
 * No function in lib/sync or lib/web grows past `MAX_FUNCTION_LINES`: a long one is split into
 * named parts (issue 11). Parsed by Deno's own linter, so strings, comments and JSX can't fool it.
 */
import assert from "node:assert/strict";
import { functionLengthPlugin, MAX_FUNCTION_LINES } from "./function_length.ts";

const root = new URL("../../", import.meta.url);

/** "file:line message" for each function over `max` lines in the .ts/.tsx files of `dir`. */
async function longFunctions(dir: string, max = MAX_FUNCTION_LINES): Promise<string[]> {
  const plugin = functionLengthPlugin(max);
  const found: string[] = [];
  for await (const entry of Deno.readDir(new URL(dir, root))) {
    if (!entry.isFile || !/\.tsx?$/.test(entry.name)) continue;
    const path = `${dir}/${entry.name}`;
    const source = await Deno.readTextFile(new URL(path, root));
    for (const { range, message } of Deno.lint.runPlugin(plugin, entry.name, source)) {
      const line = source.slice(0, range[0]).split("\n").length;
      found.push(`${path}:${line} ${message}`);
    }
  }
  return found;
}

Deno.test("no function in lib/sync or lib/web is longer than 50 lines", async () => {
  assert.equal(MAX_FUNCTION_LINES, 50);
  assert.deepEqual([...await longFunctions("lib/sync"), ...await longFunctions("lib/web")], []);
});

Deno.test("the function-length rule counts functions, methods and arrows from first to last line", () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  f(${i});`).join("\n");
  const source = [
    `export function long() {\n${body(3)}\n}`, // 5 lines
    `class A {\n  method() {\n${body(3)}\n  }\n}`, // the method: 5 lines
    `const arrow = () => {\n${body(3)}\n};`, // 5 lines
    `function short() {\n${body(2)}\n}`, // 4 lines
    `const s = "function inString() {\\n\\n\\n\\n\\n}";`,
  ].join("\n");
  const found = Deno.lint.runPlugin(functionLengthPlugin(4), "a.ts", source);
  assert.deepEqual(found.map((d) => d.message), Array(3).fill("function of 5 lines (at most 4)"));
  assert.equal(Deno.lint.runPlugin(functionLengthPlugin(5), "a.ts", source).length, 0);
});
