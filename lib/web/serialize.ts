import { isValidElement } from "preact";
import { Signal, signal } from "@preact/signals";

/**
 * Island props on the wire: JSON where `{"$s": n}` stands for the n-th signal of `signals`, and a
 * key that really starts with `$` is sent with one more `$`, so the two can never be confused.
 */
export interface IslandPayload {
  props: unknown[];
  signals: unknown[];
}

/** Collects the props of every island on a page; signals shared by two islands stay one signal. */
export class PropsSerializer {
  #signals = new Map<Signal, number>();
  #signalValues: unknown[] = [];
  #props: unknown[] = [];

  add(island: string, props: Record<string, unknown>): number {
    this.#props.push(this.#encode(props, `${island}`, new Set()));
    return this.#props.length - 1;
  }

  payload(): IslandPayload {
    return { props: this.#props, signals: this.#signalValues };
  }

  #encode(value: unknown, path: string, seen: Set<object>): unknown {
    if (value === null || typeof value === "string" || typeof value === "boolean") return value;
    if (typeof value === "number") return Number.isFinite(value) ? value : null;
    if (value === undefined) return undefined;
    if (typeof value !== "object") {
      throw new TypeError(
        `Cannot serialize island prop "${path}": ${typeof value} is not supported`,
      );
    }
    if (value instanceof Signal) return { $s: this.#signal(value, path, seen) };
    if (isValidElement(value)) {
      throw new TypeError(`Cannot serialize island prop "${path}": JSX is not supported`);
    }
    if (seen.has(value)) {
      throw new TypeError(`Cannot serialize island prop "${path}": the value is circular`);
    }
    const toJSON = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === "function") return this.#encode(toJSON.call(value), path, seen);
    seen.add(value);
    try {
      if (Array.isArray(value)) {
        return value.map((item, i) => this.#encode(item, `${path}[${i}]`, seen) ?? null);
      }
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const encoded = this.#encode(item, `${path}.${key}`, seen);
        if (encoded !== undefined) out[key.startsWith("$") ? `$${key}` : key] = encoded;
      }
      return out;
    } finally {
      seen.delete(value);
    }
  }

  #signal(value: Signal, path: string, seen: Set<object>): number {
    let index = this.#signals.get(value);
    if (index === undefined) {
      index = this.#signalValues.push(null) - 1;
      this.#signals.set(value, index);
      this.#signalValues[index] = this.#encode(value.peek(), `${path}.value`, seen) ?? null;
    }
    return index;
  }
}

/** JSON that is safe inside an inline `<script>`: no `</script`, no `<!--`, no line separators. */
export function stringifyForScript(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

/** Turns a payload back into props, with live signals where the server had signals. */
export function reviveProps(payload: IslandPayload): unknown[] {
  const signals = payload.signals.map(() => signal<unknown>(undefined));
  const revive = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(revive);
    if (value === null || typeof value !== "object") return value;
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0][0] === "$s") return signals[entries[0][1] as number];
    return Object.fromEntries(
      entries.map(([key, item]) => [key.startsWith("$") ? key.slice(1) : key, revive(item)]),
    );
  };
  payload.signals.forEach((value, i) => signals[i].value = revive(value));
  return payload.props.map(revive);
}
