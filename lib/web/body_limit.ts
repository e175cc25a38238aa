import { HttpError } from "./http_error.ts";

/** The request body cap unless a route is given more: forms and JSON here are a few KB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The request with its body read into memory, refused with a 413 as soon as it passes
 * `maxBytes`: a declared Content-Length above the cap is refused unread, and a body without one
 * (chunked) is counted while it streams, so no more than `maxBytes` is ever held.
 */
export async function limitBody(req: Request, maxBytes: number): Promise<Request> {
  if (!req.body || req.method === "GET" || req.method === "HEAD") return req;
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await req.body.cancel().catch(() => {});
    throw tooLarge(maxBytes);
  }
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body,
    signal: req.signal,
  });
}

function tooLarge(maxBytes: number): HttpError {
  const size = maxBytes >= 1024 * 1024
    ? `${Math.round(maxBytes / (1024 * 1024))} MB`
    : `${Math.round(maxBytes / 1024)} KB`;
  return new HttpError(413, `The request body is too large: the limit is ${size}`);
}
