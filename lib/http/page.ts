import type { z } from "zod";
import type { User } from "@/lib/db/users.ts";
import { HttpError } from "@/lib/web/http_error.ts";
import { assertSignedIn, type SignedInState, type State } from "@/lib/web/state.ts";
import type { Ctx, PageResponse } from "@/lib/web/types.ts";
import { httpErrorOf } from "./domain_errors.ts";
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

/**
 * Why a posted form is shown again: it did not parse (422), or the domain refused it (a taken
 * email 409, a wrong password 401, a rate limit 429 …, by the one map in `domain_errors.ts`).
 */
export interface FormFailure {
  status: number;
  /** A problem with the form as a whole, to say above it; none when fields are named. */
  message?: string;
  /** The messages by field. */
  fields: Record<string, string>;
  /** What was posted, to fill the form in again. */
  values: Record<string, string>;
  /** Headers the answer carries, such as `Retry-After`. */
  headers: Headers;
}

/** What a page's handler answers: a response, or `{ data }` to render its page with. */
export type PageResult = Response | PageResponse<unknown>;

export type PageHandler<S extends PageSpec = PageSpec, R extends PageResult = PageResult> =
  & ((ctx: Ctx<State>) => Promise<R>)
  & { spec: S };

/**
 * Declares a page handler the way `api()` declares an operation: the visitor must be signed in
 * (unless `auth: false`), and the path, query and form are parsed by the spec's zod schemas
 * before `fn` runs. `invalid` renders the form again when it does not parse or the domain
 * refuses it; without it the answer is an error page.
 * @example
 * export const handler = define.handlers({
 *   POST: page({ params: ConfigIdParams, form: ToggleForm }, (ctx, { user, params, form }) => …),
 * });
 */
export function page<const S extends PageSpec, R extends PageResult, F extends PageResult = never>(
  spec: S,
  fn: (ctx: Ctx<PageState<S>>, input: PageInput<S>) => R | Promise<R>,
  invalid?: (
    ctx: Ctx<PageState<S>>,
    failure: FormFailure,
    input: Omit<PageInput<S>, "form">,
  ) => F | Promise<F>,
  // NoInfer: `define.handlers` would otherwise lend its wide return type to R, and the page's
  // data (`define.page<typeof handler>`) would read as unknown.
): NoInfer<PageHandler<S, R | F>> {
  const handler = async (ctx: Ctx<State>): Promise<R | F> => {
    // The signed-in pages' middleware asserts this too; here it also narrows the state's type.
    if (spec.auth !== false) assertSignedIn(ctx);
    const own = ctx as Ctx<PageState<S>>;
    const input = {
      user: ctx.state.user,
      params: spec.params ? pathParams(ctx.params, spec.params) : undefined,
      query: spec.query ? queryValues(ctx.url, spec.query) : undefined,
    };
    if (!spec.form) return await fn(own, { ...input, form: undefined } as PageInput<S>);
    const body = await readBody(ctx.req);
    try {
      const form = formValues(body, spec.form);
      return await fn(own, { ...input, form } as PageInput<S>);
    } catch (error) {
      const failure = invalid && formFailure(error, body);
      if (!failure) throw error;
      return await invalid(own, failure, input as Omit<PageInput<S>, "form">);
    }
  };
  return Object.assign(handler, { spec });
}

/** The page again with `data`, answering with the failure's status and headers. */
export function formAgain<D>(data: D, failure: FormFailure): PageResponse<D> {
  return { data, status: failure.status, headers: failure.headers };
}

/** A posted form that its schema refuses. */
class InvalidFormError extends HttpError {
  constructor(fields: Record<string, string>) {
    super(422, "The form is not valid", { fields });
  }
}

function formValues<T extends z.ZodType>(body: unknown, schema: T): z.output<T> {
  const result = schema.safeParse(body);
  const fields = invalidFields(result, fieldWithNul(body), "form");
  if (!result.success || fields) throw new InvalidFormError(fields ?? {});
  return result.data;
}

/** The failure to show on the form, for a form that did not parse or a domain error. */
function formFailure(error: unknown, body: unknown): FormFailure | undefined {
  const known = error instanceof InvalidFormError ? error : httpErrorOf(error);
  if (!known) return undefined;
  return {
    status: known.status,
    message: known.fields ? undefined : known.message,
    fields: known.fields ?? {},
    values: stringsOf(body),
    headers: known.headers,
  };
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
