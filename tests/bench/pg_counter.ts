/**
 * A TCP relay in front of PostgreSQL that counts the statements its clients send: every
 * `Execute` (extended protocol, what postgres.js sends per statement) and every simple `Query`
 * message. It reads the wire, so it counts any checkout's code alike (the bench's --before)
 * without a hook in the app and without pg_stat_statements on the server.
 */

/** A relay on a free local port; `statements` counts what went through it since `reset()`. */
export interface StatementCounter {
  /** The URL to give the app: the server's, with host and port the relay's. */
  url: string;
  statements: number;
  reset(): void;
  close(): void;
}

/** Starts the relay in front of the server of `databaseUrl`. */
export function countStatements(databaseUrl: string): StatementCounter {
  const target = new URL(databaseUrl);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const counter: StatementCounter = {
    url: "",
    statements: 0,
    reset() {
      counter.statements = 0;
    },
    close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed already */ }
      }
    },
  };
  const relay = new URL(databaseUrl);
  relay.hostname = "127.0.0.1";
  relay.port = String((listener.addr as Deno.NetAddr).port);
  counter.url = relay.toString();
  (async () => {
    for await (const client of listener) {
      conns.add(client);
      const server = await Deno.connect({
        hostname: target.hostname,
        port: Number(target.port || 5432),
      });
      conns.add(server);
      const parser = new FrontendParser((type) => {
        if (type === 0x45 /* E */ || type === 0x51 /* Q */) counter.statements++;
      });
      const up = client.readable.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, out) {
            parser.feed(chunk);
            out.enqueue(chunk);
          },
        }),
      ).pipeTo(server.writable);
      const down = server.readable.pipeTo(client.writable);
      Promise.allSettled([up, down]).then(() => {
        conns.delete(client);
        conns.delete(server);
      });
    }
  })().catch(() => {});
  return counter;
}

/** Splits the frontend's byte stream into messages: startup ones untyped, then type + length. */
class FrontendParser {
  #startup = true;
  #header = new Uint8Array(8);
  #have = 0;
  #skip = 0;

  constructor(readonly onMessage: (type: number) => void) {}

  feed(chunk: Uint8Array) {
    let i = 0;
    while (i < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        this.#skip -= n;
        i += n;
        continue;
      }
      const need = this.#startup ? 8 : 5;
      while (this.#have < need && i < chunk.length) this.#header[this.#have++] = chunk[i++];
      if (this.#have < need) return;
      const view = new DataView(this.#header.buffer);
      this.#have = 0;
      if (this.#startup) {
        const len = view.getInt32(0);
        // An SSLRequest or GSSENCRequest is followed by another untyped startup message.
        const code = view.getInt32(4);
        if (code !== 80877103 && code !== 80877104) this.#startup = false;
        this.#skip = len - 8;
      } else {
        this.onMessage(this.#header[0]);
        this.#skip = view.getInt32(1) - 4;
      }
    }
  }
}
