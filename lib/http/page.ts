import type { z } from "zod";
import type { User } from "@/lib/db/users.ts";
import { HttpError } from "@/lib/web/http_error.ts";
import { assertSignedIn, type SignedInState, type State } from "@/lib/web/state.ts";
import type { Ctx } from "@/lib/web/types.ts";
import { fieldErrors, fieldWithNul, invalidFields, readBody } from "./validate.ts";

/** What a page handler reads from the request; each part is parsed before the handler runs. */
export interface PageSpec {
  /** Whether the page needs a signed-in visitor (default true): others are sent to sign in. */
  auth?: boolean;
  /** Path parameters. A path that does not parse names nothing here: 404. */
  params?: z.ZodType;
  /**
   * Query values; a query that does not parse answers 400. Give a field `.catch(undefined)`
   * where a bad value should count as absent (a notice in a hand-edited address).
   */
  query?: z.ZodType;
  /** The posted form (urlencoded, multipart or JSON); one that does not parse answers 422. */
  form?: z.ZodType;
}

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

/** The state a page's handler sees: signed in unless the spec says `auth: false`. */
export type PageState<S extends PageSpec> = S["auth"] extends false ? State : SignedInState;

export interface PageInput<S extends PageSpec> {
  user: S["auth"] extends false ? User | undefined : User;
  params: Parsed<S["params"]>;
  query: Parsed<S["query"]>;
  form: Parsed<S["form"]>;
}

/** A form that did not parse: the messages by field, and what was posted, to fill it in again. */
export interface InvalidForm {
  fields: Record<string, string>;
  values: Record<string, string>;
}

export type PageHandler<S extends PageSpec = PageSpec> =
  & ((ctx: Ctx<State>) => Promise<Response>)
  & { spec: S };

/**
 * Declares a page handler the way `api()` declares an operation: the visitor must be signed in
 * (unless `auth: false`), and the path, query and form are parsed by the spec's zod schemas
 * before `fn` runs. `invalid` renders the form again when it does not parse; without it the
 * answer is a 422 page naming the fields.
 * @example
 * export const handler = define.handlers({
 *   POST: page({ params: ConfigIdParams, form: ToggleForm }, (ctx, { user, params, form }) => …),
 * });
 */
export function page<const S extends PageSpec>(
  spec: S,
  fn: (ctx: Ctx<PageState<S>>, input: PageInput<S>) => Response | Promise<Response>,
  invalid?: (ctx: Ctx<PageState<S>>, form: InvalidForm) => Response | Promise<Response>,
): PageHandler<S> {
  const handler = async (ctx: Ctx<State>) => {
    // The signed-in pages' middleware asserts this too; here it also narrows the state's type.
    if (spec.auth !== false) assertSignedIn(ctx);
    const user = ctx.state.user;
    const params = spec.params ? pathParams(ctx.params, spec.params) : undefined;
    const query = spec.query ? queryValues(ctx.url, spec.query) : undefined;
    let form;
    if (spec.form) {
      const body = await readBody(ctx.req);
      const result = spec.form.safeParse(body);
      const fields = invalidFields(result, fieldWithNul(body), "form");
      if (!result.success || fields) {
        const failure = { fields: fields ?? {}, values: stringsOf(body) };
        if (invalid) return await invalid(ctx as Ctx<PageState<S>>, failure);
        throw new HttpError(422, "The form is not valid", { fields: failure.fields });
      }
      form = result.data;
    }
    return await fn(ctx as Ctx<PageState<S>>, { user, params, query, form } as PageInput<S>);
  };
  return Object.assign(handler, { spec });
}

function pathParams<T extends z.ZodType>(params: Record<string, string>, schema: T): z.output<T> {
  const result = schema.safeParse(params);
  if (!result.success) throw new HttpError(404, "There is nothing at this address");
  return result.data;
}

/** The query by the page's schema alone, which decides what a bad value (even a NUL) means. */
function queryValues<T extends z.ZodType>(url: URL, schema: T): z.output<T> {
  const result = schema.safeParse(Object.fromEntries(url.searchParams));
  if (result.success) return result.data;
  throw new HttpError(400, "This address has a query the page cannot read", {
    fields: fieldErrors(result.error),
  });
}

function stringsOf(body: unknown): Record<string, string> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return {};
  // The values go back into the form: without U+0000, which a page has no business echoing.
  return Object.fromEntries(
    Object.entries(body).flatMap(([name, value]) =>
      typeof value === "string" ? [[name, value.replaceAll("\0", "")]] : []
    ),
  );
}
