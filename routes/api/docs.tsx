import manifest from "@/fresh.gen.ts";
import ApiConsole from "@/islands/ApiConsole.tsx";
import { api } from "@/lib/http/api.ts";
import { apiRoutes, buildOpenApi } from "@/lib/http/openapi.ts";
import { exampleOf } from "@/lib/http/json_example.ts";
import { define } from "@/lib/web/define.ts";
import { asset, Head } from "@/lib/web/render.tsx";

interface Operation {
  method: string;
  path: string;
  summary: string;
  description?: string;
  auth: boolean;
  pathParams: string[];
  queryParams: string[];
  bodyExample?: string;
  responses: { status: string; description: string }[];
}

// deno-lint-ignore no-explicit-any
function operations(doc: any): Record<string, Operation[]> {
  const byTag: Record<string, Operation[]> = {};
  for (const [path, methods] of Object.entries(doc.paths)) {
    // deno-lint-ignore no-explicit-any
    for (const [method, op] of Object.entries(methods as Record<string, any>)) {
      // deno-lint-ignore no-explicit-any
      const params = (op.parameters ?? []) as any[];
      const body = op.requestBody?.content?.["application/json"]?.schema;
      (byTag[op.tags?.[0] ?? "other"] ??= []).push({
        method: method.toUpperCase(),
        path,
        summary: op.summary,
        description: op.description,
        auth: op.security?.length > 0,
        pathParams: params.filter((p) => p.in === "path").map((p) => p.name),
        queryParams: params.filter((p) => p.in === "query").map((p) => p.name),
        bodyExample: body ? JSON.stringify(exampleOf(body), null, 2) : undefined,
        // deno-lint-ignore no-explicit-any
        responses: Object.entries(op.responses).map(([status, r]: [string, any]) => ({
          status,
          description: r.description,
        })),
      });
    }
  }
  return byTag;
}

/** The operations by tag, built once per version: the routes do not change while the app runs. */
let built: { version: string; byTag: Record<string, Operation[]> } | undefined;

export const handler = define.handlers({
  GET: api({
    summary: "This reference, as an HTML page with a form to try each operation",
    tags: ["meta"],
    auth: false,
    responses: { 200: { description: "An HTML page" } },
  }, (ctx) => {
    const version = ctx.state.services.config.version;
    if (built?.version !== version) {
      const doc = buildOpenApi(apiRoutes(manifest.routes), { title: "cal-sync API", version });
      built = { version, byTag: operations(doc) };
    }
    return { data: built.byTag };
  }),
});

export default define.page<typeof handler>(function ApiDocs({ data, state }) {
  return (
    <article class="api-docs">
      <Head>
        <title>API reference · cal-sync</title>
        <link rel="stylesheet" href={asset("/docs.css")} />
      </Head>
      <h1>API reference</h1>
      <p>
        The machine-readable document is <a href="/api/openapi.json">/api/openapi.json</a>{" "}
        (OpenAPI 3.1). Send <code>Authorization: Bearer &lt;token&gt;</code> from{" "}
        <code>POST /api/auth/token</code>; in this page, requests ride on your session{" "}
        {state.user ? `(signed in as ${state.user.email})` : "(sign in to try protected routes)"}.
      </p>
      {Object.entries(data).map(([tag, ops]) => (
        <section key={tag} aria-labelledby={`tag-${tag}`}>
          <h2 id={`tag-${tag}`}>{tag}</h2>
          {ops.map((op) => (
            <details key={`${op.method} ${op.path}`} class="card api-op">
              <summary>
                <code class={`api-op__method api-op__method--${op.method.toLowerCase()}`}>
                  {op.method}
                </code>{" "}
                <code>{op.path}</code> — {op.summary}
                {op.auth ? "" : " (no sign-in)"}
              </summary>
              {op.description && <p>{op.description}</p>}
              <ul class="api-op__responses">
                {op.responses.map((r) => (
                  <li key={r.status}>
                    <code>{r.status}</code> {r.description}
                  </li>
                ))}
              </ul>
              <ApiConsole
                method={op.method}
                path={op.path}
                pathParams={op.pathParams}
                queryParams={op.queryParams}
                bodyExample={op.bodyExample}
              />
            </details>
          ))}
        </section>
      ))}
    </article>
  );
});
