import type { ComponentChildren, ComponentType, VNode } from "preact";
import type { State } from "./state.ts";

/** The request context every handler and middleware receives. */
export interface Ctx<S = State> {
  readonly req: Request;
  readonly url: URL;
  /** Path parameters: `[id]` → `params.id`, `[...rest]` → `params.rest`. */
  readonly params: Record<string, string>;
  /** Mutable per request; middleware fills it for the handlers and pages below. */
  state: S;
  /** The client address, when the server passes Deno's `ServeHandlerInfo` to `app.fetch`. */
  readonly remoteAddr: string | undefined;
  /** Renders this route's page inside `_app`; `data` reaches the page as `props.data`. */
  render(data?: unknown, init?: ResponseInit): Promise<Response>;
  /** Runs the rest of the chain: the next middleware, then the route handler. */
  next(): Promise<Response>;
  /** A redirect, `303 See Other` unless told; protocol-relative locations are refused. */
  redirect(location: string, status?: number): Response;
  json(body: unknown, status?: number): Response;
}

/**
 * What a handler returns to render its route's page (Fresh 2's `page(data)`): the page gets
 * `data` as `props.data`, and `define.page<typeof handler>` learns its type from here.
 * @example return { data: { sync }, status: 409, headers: { "Retry-After": "30" } };
 */
export interface PageResponse<Data> {
  data: Data;
  status?: number;
  headers?: HeadersInit;
}

/** A route handler: a response, or the data to render the route's page with. */
export type HandlerFn<S = State> = (
  ctx: Ctx<S>,
) => Response | PageResponse<unknown> | Promise<Response | PageResponse<unknown>>;

/** A middleware function: it answers, or returns what `ctx.next()` answered. */
export type MiddlewareFn<S = State> = (ctx: Ctx<S>) => Response | Promise<Response>;

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

export type HandlerByMethod<S = State> = { [M in Method]?: HandlerFn<S> };

/** A route's `handler` export: one function for every method, or one per method. */
export type Handlers<S = State> = HandlerFn<S> | HandlerByMethod<S>;

/** A `_middleware.ts` `handler` export: one function or several, run in order. */
export type Middleware<S = State> = MiddlewareFn<S> | MiddlewareFn<S>[];

type RenderedData<R> = R extends PageResponse<infer Data> ? Data : never;

/** The data a route's handlers render its page with: every `{ data }` any of them returns. */
export type HandlerData<H> = H extends (ctx: never) => infer R ? RenderedData<Awaited<R>>
  : { [M in keyof H]-?: HandlerData<NonNullable<H[M]>> }[keyof H];

/**
 * A page's data: `define.page<typeof handler>` reads it off the route's handler, and a page
 * rendered by the framework alone (`_404`, `_500`) names its type.
 */
export type PageData<T> = T extends (ctx: never) => unknown ? HandlerData<T>
  : [Extract<keyof T, Method>] extends [never] ? T
  : HandlerData<T>;

export interface PageProps<Data = unknown, S = State> {
  data: Data;
  url: URL;
  params: Record<string, string>;
  state: S;
}

export type PageComponent<Data = unknown, S = State> = (
  props: PageProps<Data, S>,
) => VNode | ComponentChildren | null;

export interface AppProps<S = State> {
  Component: ComponentType<Record<string, never>>;
  state: S;
  url: URL;
}

/** What `_404.tsx` and `_500.tsx` receive as `props.data`. */
export interface ErrorPageData {
  status: number;
  message: string;
  requestId: string;
}

export interface RouteModule {
  handler?: Handlers<State> | Middleware<State>;
  // deno-lint-ignore no-explicit-any
  default?: ComponentType<any>;
}

export interface IslandModule {
  // deno-lint-ignore no-explicit-any
  default: ComponentType<any>;
}

/** The shape of `fresh.gen.ts`: keys are paths relative to the manifest's folder. */
export interface Manifest {
  routes: Record<string, RouteModule>;
  islands: Record<string, IslandModule>;
  baseUrl: string;
}
