/**
 * Batch requests (Google's "Sending batch requests" guide for Calendar): `POST /batch/calendar/v3`
 * with a `multipart/mixed` body whose parts are HTTP requests (`application/http`). Each part is
 * answered as its own request — authenticated, counted and charged against quota one by one — and
 * the answers come back as one `multipart/mixed` response, part `Content-ID: <response-ID>`
 * answering request part `Content-ID: <ID>`. The outer request's headers (other than Content-*)
 * apply to every part unless the part sets them itself.
 */
import { badRequest, GoogleApiError } from "./_errors.ts";
import { randomToken } from "./_state.ts";
import type { Store } from "./_store.ts";

/** Google's per-batch cap for Calendar. */
export const MAX_BATCH_PARTS = 1000;

const REASONS: Record<number, string> = {
  200: "OK",
  204: "No Content",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  410: "Gone",
  412: "Precondition Failed",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Answers one inner Calendar request. */
type ServeOne = (req: Request) => Promise<Response>;

interface Part {
  contentId: string | null;
  method: string;
  target: string;
  headers: Headers;
  body: string;
}

/** Splits `head\n\nrest` at the first blank line, accepting CRLF or LF. */
function splitHead(text: string): [string[], string] {
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const rest = m ? text.slice(m.index + m[0].length) : "";
  return [head.split(/\r?\n/), rest];
}

function headerLines(lines: string[], into = new Headers()): Headers {
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) into.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return into;
}

function parseParts(body: string, boundary: string): Part[] {
  const delimiter = new RegExp(`(?:^|\\r?\\n)--${boundary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
  const chunks = body.split(delimiter).slice(1);
  const parts: Part[] = [];
  for (const chunk of chunks) {
    if (chunk.startsWith("--")) break; // the closing delimiter
    const [mimeLines, http] = splitHead(chunk.replace(/^[ \t]*\r?\n/, ""));
    const mime = headerLines(mimeLines);
    const [requestLines, requestBody] = splitHead(http.replace(/^\s+/, ""));
    const [method, target] = (requestLines.shift() ?? "").trim().split(/\s+/);
    if (!method || !target) throw badRequest("Failed to parse batch request.", "badRequest");
    const id = mime.get("content-id");
    parts.push({
      contentId: id ? id.replace(/^<|>$/g, "") : null,
      method: method.toUpperCase(),
      target,
      headers: headerLines(requestLines),
      body: requestBody.replace(/\r?\n$/, ""),
    });
  }
  return parts;
}

/** Serves `POST /batch/calendar/v3`; `serve` answers one inner Calendar request. */
export async function handleBatch(
  store: Store,
  req: Request,
  origin: string,
  serve: ServeOne,
): Promise<Response> {
  const parts = await readParts(req);
  const outer = new Headers();
  for (const [k, v] of req.headers) {
    if (!/^content-/i.test(k) && k !== "host") outer.set(k, v);
  }
  const boundary = `batch_${randomToken(12).replace(/[-_]/g, "x")}`;
  const chunks: string[] = [];
  for (const [i, part] of parts.entries()) {
    const res = await answerPart(part, outer, origin, serve);
    chunks.push(await responsePart(res, part.contentId ?? String(i + 1), boundary));
  }
  const body = new TextEncoder().encode(`${chunks.join("\r\n")}\r\n--${boundary}--\r\n`);
  const auth = req.headers.get("authorization");
  const token = auth ? /^Bearer\s+(.+)$/i.exec(auth.trim())?.[1] : undefined;
  store.countBytes(token ? store.accountForToken(token)?.email : undefined, body.length);
  return new Response(body, {
    headers: { "content-type": `multipart/mixed; boundary=${boundary}` },
  });
}

/** The parts of a batch body; 400 unless it is multipart/mixed with 1 to 1000 parts. */
async function readParts(req: Request): Promise<Part[]> {
  const type = req.headers.get("content-type") ?? "";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\/mixed/i.test(type) || !boundary) {
    await req.body?.cancel();
    throw badRequest("Invalid multipart request with 0 mime parts.", "badRequest");
  }
  const parts = parseParts(await req.text(), boundary);
  if (parts.length === 0) {
    throw badRequest("Invalid multipart request with 0 mime parts.", "badRequest");
  }
  if (parts.length > MAX_BATCH_PARTS) {
    throw badRequest(
      `Inner request count exceeds the limit. Received: ${parts.length}, Limit: ${MAX_BATCH_PARTS}`,
      "badRequest",
    );
  }
  return parts;
}

/** Answers one part as its own request, with the outer headers it doesn't set itself. */
async function answerPart(
  part: Part,
  outer: Headers,
  origin: string,
  serve: ServeOne,
): Promise<Response> {
  const headers = new Headers(outer);
  for (const [k, v] of part.headers) headers.set(k, v);
  try {
    const url = new URL(part.target, origin);
    if (!url.pathname.startsWith("/calendar/v3/")) {
      return new GoogleApiError(404, "Not Found", "notFound").toResponse();
    }
    const hasBody = part.method !== "GET" && part.method !== "DELETE" && part.body !== "";
    const body = hasBody ? part.body : undefined;
    return await serve(new Request(url, { method: part.method, headers, body }));
  } catch {
    return badRequest("Failed to parse batch request.", "badRequest").toResponse();
  }
}

/** One part of the batch response: the inner response written out as HTTP. */
async function responsePart(res: Response, contentId: string, boundary: string): Promise<string> {
  const text = await res.text();
  const lines = [
    `--${boundary}`,
    "Content-Type: application/http",
    `Content-ID: <response-${contentId}>`,
    "",
    `HTTP/1.1 ${res.status} ${REASONS[res.status] ?? ""}`.trimEnd(),
  ];
  for (const [k, v] of res.headers) {
    if (k !== "content-length") lines.push(`${headerName(k)}: ${v}`);
  }
  lines.push(`Content-Length: ${new TextEncoder().encode(text).length}`, "", text);
  return lines.join("\r\n");
}

function headerName(k: string): string {
  return k === "etag" ? "ETag" : k.replace(/(^|-)([a-z])/g, (_, a, b) => a + b.toUpperCase());
}
