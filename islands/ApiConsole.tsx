import { useSignal } from "@preact/signals";

interface ApiConsoleProps {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** A JSON example of the request body, when the operation takes one. */
  bodyExample?: string;
}

/** "Try it" for one API operation: fills the path, sends the request with the session cookie. */
export default function ApiConsole(props: ApiConsoleProps) {
  const values = useSignal<Record<string, string>>({});
  const body = useSignal(props.bodyExample ?? "");
  const result = useSignal<{ status: string; text: string } | null>(null);
  const busy = useSignal(false);
  const id = `${props.method}-${props.path}`.replace(/[^a-z0-9]+/gi, "-");

  async function send(event: Event) {
    event.preventDefault();
    busy.value = true;
    let url = props.path.replace(
      /\{(\w+)\}/g,
      (_, name) => encodeURIComponent(values.value[name] ?? ""),
    );
    const query = new URLSearchParams(
      props.queryParams.filter((name) => values.value[name]).map((
        name,
      ) => [name, values.value[name]]),
    ).toString();
    if (query) url += `?${query}`;
    try {
      const res = await fetch(url, {
        method: props.method,
        headers: props.bodyExample !== undefined ? { "content-type": "application/json" } : {},
        body: props.bodyExample !== undefined ? body.value : undefined,
      });
      const text = await res.text();
      let shown = text;
      try {
        shown = JSON.stringify(JSON.parse(text), null, 2);
      } catch { /* not JSON: show as is */ }
      result.value = { status: `${res.status} ${res.statusText}`, text: shown };
    } catch (error) {
      result.value = { status: "Network error", text: String(error) };
    } finally {
      busy.value = false;
    }
  }

  return (
    <form class="api-console" onSubmit={send}>
      {[...props.pathParams, ...props.queryParams].map((name) => (
        <div class="field" key={name}>
          <label for={`${id}-${name}`}>{name}</label>
          <input
            id={`${id}-${name}`}
            value={values.value[name] ?? ""}
            onInput={(e) =>
              values.value = { ...values.value, [name]: (e.target as HTMLInputElement).value }}
          />
        </div>
      ))}
      {props.bodyExample !== undefined && (
        <div class="field">
          <label for={`${id}-body`}>Request body</label>
          <textarea
            id={`${id}-body`}
            rows={Math.min(12, body.value.split("\n").length + 1)}
            onInput={(e) => body.value = (e.target as HTMLTextAreaElement).value}
          >
            {body.value}
          </textarea>
        </div>
      )}
      <button type="submit" class="button" disabled={busy.value}>
        {busy.value ? "Sending…" : `Send ${props.method}`}
      </button>
      {result.value && (
        <div class="api-console__result" role="status">
          <p>
            <strong>{result.value.status}</strong>
          </p>
          <pre>{result.value.text}</pre>
        </div>
      )}
    </form>
  );
}
