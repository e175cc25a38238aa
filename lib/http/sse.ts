/**
 * A manual run as Server-Sent Events, for the dashboard's live progress: `event: progress` with
 * `{done, total}` as writes complete (at most every 100 ms, and the last one always), then
 * `event: result` with the run's result, or `event: error` with `{message}`. A client that goes
 * away does not stop the run: it finishes and is recorded as usual.
 */
import { log } from "@/lib/log.ts";
import type { SyncResult } from "@/lib/sync/engine.ts";

const PROGRESS_EVERY_MS = 100;

export function syncEventStream(
  run: (onProgress: (done: number, total: number) => void) => Promise<SyncResult>,
  toJson: (result: SyncResult) => unknown,
): Response {
  const encoder = new TextEncoder();
  let open = true;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const send = (chunk: string) => {
    if (!open) return;
    try {
      controller.enqueue(encoder.encode(chunk));
    } catch {
      open = false;
    }
  };
  const event = (name: string, data: unknown) =>
    send(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  const close = () => {
    if (!open) return;
    open = false;
    try {
      controller.close();
    } catch { /* already closed by the client */ }
  };
  let lastSent = 0;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      // A comment first, so the headers reach the client before the first write completes.
      send(": sync started\n\n");
      run((done, total) => {
        const now = Date.now();
        if (done < total && now - lastSent < PROGRESS_EVERY_MS) return;
        lastSent = now;
        event("progress", { done, total });
      }).then((result) => event("result", toJson(result)))
        .catch((err) => {
          log.error("Manual sync failed", {
            error: err instanceof Error ? err.message : String(err),
          });
          event("error", { message: "The sync failed unexpectedly" });
        })
        .finally(close);
    },
    cancel() {
      open = false;
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}

/** Whether the request asks for the event stream rather than one JSON answer. */
export function wantsEventStream(req: Request): boolean {
  return (req.headers.get("accept") ?? "").toLowerCase().includes("text/event-stream");
}
