import type { z } from "zod";
import type { Ctx, PageResponse } from "@/lib/web/types.ts";
import { assertSignedIn, type State } from "@/lib/web/state.ts";
import type { User } from "@/lib/db/users.ts";
import { parseBody, parseParams, parseQuery } from "./validate.ts";

/** What the OpenAPI document says of one operation; the schemas also parse the request. */
export interface ApiSpec {
  summary: string;
  description?: string;
  tags?: string[];
  /** Whether the operation needs a signed-in caller (default true). */
  auth?: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Media types the body may come in (default JSON only). */
  bodyTypes?: string[];
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /** The shape of the errors `api()` answers by itself, for the document (default `Error`). */
  errorSchema?: z.ZodType;
}

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface ApiInput<S extends ApiSpec> {
  user: S["auth"] extends false ? undefined : User;
  params: Parsed<S["params"]>;
  query: Parsed<S["query"]>;
  body: Parsed<S["body"]>;
}

/** What an operation answers: a response, or `{ data }` for the route's HTML page (rare). */
export type ApiResult = Response | PageResponse<unknown>;

export type ApiHandler<S extends ApiSpec = ApiSpec, R extends ApiResult = ApiResult> =
  & ((ctx: Ctx<State>) => Promise<R>)
  & { spec: S };

/**
 * Declares an API operation: unless `auth: false`, a caller who is not signed in gets 401; the
 * request is parsed by the spec's schemas before `fn` runs (422 naming the field); and the same
 * spec feeds `/api/openapi.json`.
 */
export function api<const S extends ApiSpec, R extends ApiResult>(
  spec: S,
  fn: (ctx: Ctx<State>, input: ApiInput<S>) => R | Promise<R>,
  // NoInfer: as in page(), so that an operation's `{ data }` keeps its type.
): NoInfer<ApiHandler<S, R>> {
  const handler = async (ctx: Ctx<State>) => {
    if (spec.auth !== false) assertSignedIn(ctx);
    const input = {
      user: spec.auth === false ? undefined : ctx.state.user,
      params: spec.params ? parseParams(ctx, spec.params) : undefined,
      query: spec.query ? parseQuery(ctx, spec.query) : undefined,
      body: spec.body ? await parseBody(ctx, spec.body) : undefined,
    } as ApiInput<S>;
    return await fn(ctx, input);
  };
  return Object.assign(handler, { spec });
}
