/**
 * Partial responses (`fields=`), as Google's "Performance tips" guide defines them: a comma-separated
 * list of selections; `a/b` selects `b` inside `a`; `a(b,c)` selects several sub-fields of `a`
 * (of each element when `a` is a list); selections nest; `*` selects every field at its level.
 * Fields left out are not returned — `nextPageToken` and `nextSyncToken` included.
 */
import { GoogleApiError } from "./_errors.ts";
import type { Json } from "./_event_input.ts";
import { type FieldTree, SCHEMAS } from "./_schema.ts";

/** `true` selects the whole value; a map selects those sub-fields (`*`: every one). */
export type Mask = true | Map<string, Mask>;

const invalid = (what: string) =>
  new GoogleApiError(400, `Invalid field selection ${what}`, "invalidParameter", "global", {
    locationType: "parameter",
    location: "fields",
  });

function merge(a: Mask | undefined, b: Mask): Mask {
  if (a === undefined) return b;
  if (a === true || b === true) return true;
  const out = new Map(a);
  for (const [k, v] of b) out.set(k, merge(out.get(k), v));
  return out;
}

/** Parses a mask; throws Google's 400 `invalidParameter` on a syntax error. */
export function parseMask(text: string): Map<string, Mask> {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const name = (): string => {
    skipSpace();
    const start = i;
    while (i < text.length && !/[\s,/()]/.test(text[i])) i++;
    if (i === start) throw invalid(text.slice(start) || text);
    return text.slice(start, i);
  };
  const list = (nested: boolean): Map<string, Mask> => {
    let out = new Map<string, Mask>();
    for (;;) {
      const path = [name()];
      skipSpace();
      while (text[i] === "/") {
        i++;
        path.push(name());
        skipSpace();
      }
      let leaf: Mask = true;
      if (text[i] === "(") {
        i++;
        leaf = list(true);
        if (text[i] !== ")") throw invalid(text);
        i++;
        skipSpace();
      }
      for (let p = path.length - 1; p >= 0; p--) leaf = new Map([[path[p], leaf]]);
      out = merge(out, leaf) as Map<string, Mask>;
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (nested ? text[i] === ")" : i >= text.length) return out;
      throw invalid(text);
    }
  };
  return list(false);
}

function resolve(tree: FieldTree): FieldTree {
  return typeof tree === "string" && tree !== "*" ? SCHEMAS[tree] : tree;
}

/** Throws Google's 400 when the mask names a field the schema doesn't have. */
function validate(mask: Map<string, Mask>, tree: FieldTree): void {
  const node = resolve(tree);
  if (node === "*") return; // a map or free value: any key may be selected
  for (const [key, sub] of mask) {
    if (node === 0) throw invalid(key); // a sub-selection of a scalar
    if (key === "*") continue;
    const child = (node as Record<string, FieldTree>)[key];
    if (child === undefined) throw invalid(key);
    if (sub !== true) validate(sub, child);
  }
}

/** The parsed and checked mask of a `fields` parameter for a response of `schema`, or null. */
export function fieldMask(fields: string | null, schema: string): Map<string, Mask> | null {
  if (fields === null || fields.trim() === "") return null;
  const mask = parseMask(fields);
  validate(mask, schema);
  return mask;
}

/** The value with only the selected fields, in their original order. */
export function applyMask(value: Json, mask: Mask): Json {
  if (mask === true || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => applyMask(v, mask));
  const all = mask.get("*");
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    const own = mask.get(key);
    const sub = own === undefined ? all : all === undefined ? own : merge(own, all);
    if (sub !== undefined) out[key] = applyMask(v, sub);
  }
  return out;
}
