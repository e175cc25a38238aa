import { z } from "zod";
import type { ApiHandler } from "./api.ts";

export interface ApiRoute {
  /** An OpenAPI path, e.g. `/api/sync/config/{id}`. */
  path: string;
  handlers: Record<string, unknown>;
}

const isApiHandler = (value: unknown): value is ApiHandler =>
  typeof value === "function" && "spec" in value;

function jsonSchema(schema: z.ZodType, io: "input" | "output") {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  });
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: "path" | "query") {
  if (!schema) return [];
  const object = jsonSchema(schema, "input") as {
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

/** Builds the OpenAPI 3.1 document from the `api()` specs of the given routes. */
export function buildOpenApi(routes: ApiRoute[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    for (const [method, handler] of Object.entries(route.handlers)) {
      if (!isApiHandler(handler)) continue;
      const spec = handler.spec;
      paths[route.path] ??= {};
      paths[route.path][method.toLowerCase()] = {
        summary: spec.summary,
        description: spec.description,
        tags: spec.tags,
        security: spec.auth === false ? [] : [{ bearer: [] }, { session: [] }],
        parameters: [...parameters(spec.params, "path"), ...parameters(spec.query, "query")],
        requestBody: spec.body
          ? {
            required: true,
            content: Object.fromEntries(
              (spec.bodyTypes ?? ["application/json"]).map((type) => [
                type,
                { schema: jsonSchema(spec.body!, "input") },
              ]),
            ),
          }
          : undefined,
        responses: Object.fromEntries(
          Object.entries(spec.responses).map(([status, response]) => [status, {
            description: response.description,
            ...(response.schema
              ? {
                content: { "application/json": { schema: jsonSchema(response.schema, "output") } },
              }
              : {}),
          }]),
        ),
      };
    }
  }
  return {
    openapi: "3.1.0",
    info,
    paths,
    components: {
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
