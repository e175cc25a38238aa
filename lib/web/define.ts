import type { Handlers, Middleware, PageComponent, PageData } from "./types.ts";
import type { State } from "./state.ts";

/** Identity helpers that exist only so route files get their types inferred. */
export const define = {
  handlers<H extends Handlers<State>>(handlers: H): H {
    return handlers;
  },
  /** `define.page<typeof handler>(…)`: the page's `data` is what the handler returns in `{ data }`. */
  page<T = undefined>(page: PageComponent<PageData<T>, State>): PageComponent<PageData<T>, State> {
    return page;
  },
  middleware<M extends Middleware<State>>(middleware: M): M {
    return middleware;
  },
};
