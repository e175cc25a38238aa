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
  let stream!: EventSink;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      stream = eventSink(controller);
      // A comment first, so the headers reach the client before the first write completes.
      stream.send(": sync started\n\n");
      run(throttled((done, total) => stream.event("progress", { done, total })))
        .then((result) => stream.event("result", toJson(result)))
        .catch((err) => {
          log.error("Manual sync failed", {
            error: err instanceof Error ? err.message : String(err),
          });
          stream.event("error", { message: "The sync failed unexpectedly" });
        })
        .finally(() => stream.close());
    },
    cancel() {
      stream.gone();
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

export interface EventSink {
  send(chunk: string): void;
  event(name: string, data: unknown): void;
  close(): void;
  /** The client went away: nothing more is sent (the run goes on). */
  gone(): void;
}

/** Writes to the stream while the client listens; once it is gone, writes are dropped. */
export function eventSink(controller: ReadableStreamDefaultController<Uint8Array>): EventSink {
  const encoder = new TextEncoder();
  let open = true;
  const sink: EventSink = {
    send(chunk) {
      if (!open) return;
      try {
        controller.enqueue(encoder.encode(chunk));
      } catch {
        open = false;
      }
    },
    event: (name, data) => sink.send(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`),
    close() {
      if (!open) return;
      open = false;
      try {
        controller.close();
      } catch { /* already closed by the client */ }
    },
    gone() {
      open = false;
    },
  };
  return sink;
}

/** Progress at most every 100 ms, and the last step (done = total) always. */
function throttled(report: (done: number, total: number) => void) {
  let lastSent = 0;
  return (done: number, total: number) => {
    const now = Date.now();
    if (done < total && now - lastSent < PROGRESS_EVERY_MS) return;
    lastSent = now;
    report(done, total);
  };
}

/** Whether the request asks for the event stream rather than one JSON answer. */
export function wantsEventStream(req: Request): boolean {
  return (req.headers.get("accept") ?? "").toLowerCase().includes("text/event-stream");
}
