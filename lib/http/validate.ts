import { z } from "zod";
import { HttpError } from "@/lib/web/http_error.ts";

interface RequestParts {
  req: Request;
  url: URL;
  params: Record<string, string>;
}

/** What a field holding U+0000 is told. */
export const NUL_MESSAGE = "Must not contain a NUL character";

/** Turns zod issues into `{field: message}`, one message per field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const name = issue.path.join(".") || "body";
    fields[name] ??= issue.message;
  }
  return fields;
}

/**
 * The fields to name when `result` failed or the input holds U+0000 in field `nul`; the schema's
 * own message wins for a field both refuse. Undefined when the input is good.
 */
export function invalidFields(
  result: z.ZodSafeParseResult<unknown>,
  nul: string | undefined,
  whole: string,
): Record<string, string> | undefined {
  const fields = result.success ? {} : fieldErrors(result.error);
  // PostgreSQL cannot store U+0000 in text: refuse it here, naming the field, not with a 500.
  if (nul !== undefined) fields[nul || whole] ??= NUL_MESSAGE;
  return Object.keys(fields).length > 0 ? fields : undefined;
}

function validated<T extends z.ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  const result = schema.safeParse(input);
  const fields = invalidFields(result, fieldWithNul(input), "body");
  if (result.success && !fields) return result.data;
  throw new HttpError(422, `Invalid ${where}`, { fields });
}

/**
 * Reads a JSON or form-encoded body and parses it with `schema`: 400 for a body that is not
 * JSON, 422 naming each bad field.
 */
export async function parseBody<T extends z.ZodType>(
  ctx: RequestParts,
  schema: T,
): Promise<z.output<T>> {
  return validated(schema, await readBody(ctx.req), "request body");
}

/** Reads a JSON, urlencoded or multipart body into a plain object. */
export async function readBody(req: Request): Promise<unknown> {
  const type = req.headers.get("content-type")?.split(";")[0].trim().toLowerCase() ?? "";
  if (type === "application/x-www-form-urlencoded" || type === "multipart/form-data") {
    try {
      return Object.fromEntries(
        [...(await req.formData()).entries()].filter(([, v]) => typeof v === "string"),
      );
    } catch {
      throw new HttpError(400, "Malformed form body");
    }
  }
  const text = await req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "Malformed JSON body");
  }
}

/** Parses the query string with `schema` (single values; repeated keys keep the last). */
export function parseQuery<T extends z.ZodType>(ctx: RequestParts, schema: T): z.output<T> {
  return validated(schema, Object.fromEntries(ctx.url.searchParams), "query parameters");
}

/** Parses the path parameters with `schema`; a bad id answers 404, as an unknown one would. */
export function parseParams<T extends z.ZodType>(ctx: RequestParts, schema: T): z.output<T> {
  const result = schema.safeParse(ctx.params);
  if (result.success) return result.data;
  const fields = fieldErrors(result.error);
  if (Object.keys(fields).some((name) => name === "id" || name.endsWith("_id"))) {
    throw new HttpError(404, "Not found");
  }
  throw new HttpError(422, "Invalid path parameters", { fields });
}

/**
 * The path of the first string inside `value` that holds U+0000, or undefined when none does.
 * Walks with its own stack: a body may nest thousands of levels deep.
 */
export function fieldWithNul(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, ""]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [item, path] = next;
    if (typeof item === "string") {
      if (item.includes("\0")) return path;
    } else if (typeof item === "object" && item !== null) {
      for (const [key, child] of Object.entries(item)) {
        // Past a few levels the name stops growing: a field name is for a person to read.
        const at = path.length > 200 ? path : path ? `${path}.${key}` : key;
        if (key.includes("\0")) return at.replaceAll("\0", "\\0");
        stack.push([child, at]);
      }
    }
  }
  return undefined;
}
