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

export type HandlerFn<S = State> = (ctx: Ctx<S>) => Response | Promise<Response>;

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

export type HandlerByMethod<S = State> = { [M in Method]?: HandlerFn<S> };

/** A route's `handler` export: one function for every method, or one per method. */
export type Handlers<S = State> = HandlerFn<S> | HandlerByMethod<S>;

/** A `_middleware.ts` `handler` export: one function or several, run in order. */
export type Middleware<S = State> = HandlerFn<S> | HandlerFn<S>[];

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
