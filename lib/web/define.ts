import type { Handlers, Middleware, PageComponent } from "./types.ts";
import type { State } from "./state.ts";

/** Identity helpers that exist only so route files get their types inferred. */
export const define = {
  handlers<H extends Handlers<State>>(handlers: H): H {
    return handlers;
  },
  page<Data = undefined>(page: PageComponent<Data, State>): PageComponent<Data, State> {
    return page;
  },
  middleware<M extends Middleware<State>>(middleware: M): M {
    return middleware;
  },
};
