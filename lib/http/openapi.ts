import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import type { ApiHandler, ApiSpec } from "./api.ts";
import { ErrorOut } from "./schemas.ts";
import { V0_TAG_DOCUMENT } from "./v0/errors.ts";

export interface ApiRoute {
  /** An OpenAPI path, e.g. `/api/sync/config/{id}`. */
  path: string;
  handlers: Record<string, unknown>;
}

const isApiHandler = (value: unknown): value is ApiHandler =>
  typeof value === "function" && "spec" in value;

type Components = Record<string, unknown>;

/**
 * The JSON Schema of `schema`, with the shapes it shares (zod `.meta({ id })`) moved into
 * `components` and referenced as `#/components/schemas/…`. Zod puts them under a local `$defs`
 * whose `#/$defs/…` references tools resolve against the document root, where nothing is.
 */
function jsonSchema(schema: z.ZodType, io: "input" | "output", components: Components) {
  const { $schema: _, $defs, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  });
  const names = new Map<string, string>();
  for (const [id, definition] of Object.entries($defs ?? {})) {
    // An input shape may differ from the output of the same id (defaults, transforms).
    const candidates = io === "input" ? [id, `${id}Input`] : [id];
    const name = candidates.find((n) =>
      !(n in components) || isDeepStrictEqual(components[n], rewriteRefs(definition, names))
    );
    if (!name) throw new Error(`Two different schemas are named "${id}"`);
    names.set(id, name);
  }
  for (const [id, definition] of Object.entries($defs ?? {})) {
    components[names.get(id)!] = rewriteRefs(definition, names);
  }
  return rewriteRefs(rest, names) as Record<string, unknown>;
}

function rewriteRefs(value: unknown, names: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, names));
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (key === "$ref" && typeof item === "string" && item.startsWith("#/$defs/")) {
        const id = item.slice("#/$defs/".length);
        return [key, `#/components/schemas/${names.get(id) ?? id}`];
      }
      return [key, rewriteRefs(item, names)];
    }),
  );
}

/** A path parameter that names a row: `parseParams` answers a bad one 404, like a missing row. */
const isIdParam = (name: string) => name === "id" || name.endsWith("_id");

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The error answers `api()` itself gives for this spec, so that no operation can leave them out:
 * 401 without a session, 403 for a cross-site write riding on the cookie, 404/422 for bad path
 * parameters, 422 for a bad query, 400/413/422 for a bad body. The route's own entries win.
 */
function standardErrors(
  spec: ApiSpec,
  method: string,
  pathParams: string[],
): ApiSpec["responses"] {
  const errors: ApiSpec["responses"] = {};
  const error = (description: string) => ({ description, schema: spec.errorSchema ?? ErrorOut });
  if (spec.body) {
    errors[400] = error("The body is not valid JSON (or not a valid form)");
  }
  if (spec.auth !== false) {
    errors[401] = error("Not signed in: no valid bearer token or session cookie");
  }
  if (!SAFE_METHODS.has(method)) {
    errors[403] = error("A cross-site request riding on the session cookie");
  }
  if (pathParams.some(isIdParam)) {
    errors[404] = error("Not found: no such row of yours (also for an id that is not one)");
  }
  if (spec.body) {
    errors[413] = error("The body is larger than the server accepts");
  }
  if (spec.body || spec.query || pathParams.some((name) => !isIdParam(name))) {
    errors[422] = error("Invalid input: `fields` names each bad field");
  }
  return errors;
}

function parameters(
  schema: z.ZodType | undefined,
  where: "path" | "query",
  components: Components,
) {
  if (!schema) return [];
  const object = jsonSchema(schema, "input", components) as {
    properties?: Record<string, { description?: string }>;
    required?: string[];
  };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (object.required ?? []).includes(name),
    description: property.description,
    schema: property,
  }));
}

/** One operation of the document: its parameters, body and answers, from its `api()` spec. */
function operation(spec: ApiSpec, method: string, schemas: Components) {
  const pathParams = parameters(spec.params, "path", schemas);
  const responses = {
    ...standardErrors(spec, method, pathParams.map((p) => p.name)),
    ...spec.responses,
  };
  return {
    summary: spec.summary,
    description: spec.description,
    tags: spec.tags,
    security: spec.auth === false ? [] : [{ bearer: [] }, { session: [] }],
    parameters: [...pathParams, ...parameters(spec.query, "query", schemas)],
    requestBody: spec.body ? requestBody(spec.body, spec.bodyTypes, schemas) : undefined,
    responses: Object.fromEntries(
      Object.entries(responses)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([status, response]) => [status, responseOf(response, schemas)]),
    ),
  };
}

function requestBody(body: z.ZodType, types: string[] | undefined, schemas: Components) {
  const content = (types ?? ["application/json"]).map((type) => [
    type,
    { schema: jsonSchema(body, "input", schemas) },
  ]);
  return { required: true, content: Object.fromEntries(content) };
}

function responseOf(response: ApiSpec["responses"][number], schemas: Components) {
  if (!response.schema) return { description: response.description };
  const schema = jsonSchema(response.schema, "output", schemas);
  return { description: response.description, content: { "application/json": { schema } } };
}

/**
 * The sections of the document, in the order a reader meets them: the accounts API first, the
 * seed's role-based endpoints after it. A tag not listed here comes after these.
 */
export const API_TAGS = [
  {
    name: "accounts",
    description: "Any number of Google accounts per person: connect, reconnect, disconnect, " +
      "and each account's calendars",
  },
  { name: "sync", description: "Sync configs naming (account, calendar) on both sides, runs" },
  { name: "auth", description: "Registration, tokens and sessions" },
  {
    name: "seed-compatible",
    description: "The seed's `source`/`destination` endpoints, kept for clients written " +
      "against it: each role names the account most recently connected through it",
  },
  V0_TAG_DOCUMENT,
  { name: "meta", description: "Health and this document" },
];

const tagRank = (route: ApiRoute) => {
  const tags = Object.values(route.handlers).filter(isApiHandler).map((h) => h.spec.tags?.[0]);
  const ranks = tags.map((t) => API_TAGS.findIndex((x) => x.name === t))
    .map((r) => r < 0 ? API_TAGS.length : r);
  return Math.min(API_TAGS.length, ...ranks);
};

/** Builds the OpenAPI 3.1 document from the `api()` specs of the given routes. */
export function buildOpenApi(routes: ApiRoute[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Components = {};
  const ordered = [...routes].sort((a, b) => tagRank(a) - tagRank(b));
  for (const route of ordered) {
    for (const [method, handler] of Object.entries(route.handlers)) {
      if (!isApiHandler(handler)) continue;
      paths[route.path] ??= {};
      paths[route.path][method.toLowerCase()] = operation(handler.spec, method, schemas);
    }
  }
  return {
    openapi: "3.1.0",
    info,
    tags: API_TAGS,
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        session: { type: "apiKey", in: "cookie", name: "session" },
      },
    },
  };
}

/** `./routes/api/sync/config/[id].ts` → `/api/sync/config/{id}`. */
export function openApiPath(routeFile: string): string {
  const segments = routeFile.replace(/^\.\/routes/, "").replace(/\.(tsx?|jsx?)$/, "").split("/")
    .filter((s) => s && !/^\(.*\)$/.test(s));
  if (segments.at(-1) === "index") segments.pop();
  return "/" + segments.map((s) => s.replace(/^\[(?:\.\.\.)?(\w+)\]$/, "{$1}")).join("/");
}

/** The API routes of a manifest (files under `routes/api/`). */
export function apiRoutes(routes: Record<string, { handler?: unknown }>): ApiRoute[] {
  return Object.entries(routes)
    .filter(([file, module]) =>
      file.startsWith("./routes/api/") && !file.includes("/_") && typeof module.handler === "object"
    )
    .map(([file, module]) => ({
      path: openApiPath(file),
      handlers: module.handler as Record<string, unknown>,
    }));
}
