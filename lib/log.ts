/** Structured one-line logs: JSON in production, readable in development. Never pass secrets. */
type Level = "debug" | "info" | "warn" | "error";

let json = false;

export function setJsonLogs(on: boolean): void {
  json = on;
}

function write(level: Level, message: string, fields: Record<string, unknown> = {}) {
  if (json) {
    const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
    (level === "error" || level === "warn" ? console.error : console.log)(line);
    return;
  }
  const extra = Object.entries(fields)
    .filter(([key]) => key !== "stack")
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  const line = `${level.toUpperCase()} ${message}${extra ? ` ${extra}` : ""}`;
  if (level === "error" || level === "warn") {
    console.error(fields.stack ? `${line}\n${fields.stack}` : line);
  } else {
    console.log(line);
  }
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write("debug", message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write("info", message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write("warn", message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write("error", message, fields),
};

/** The message and stack of a thrown value, as log fields. */
export function errorFields(error: unknown): { error: string; stack?: string } {
  return error instanceof Error
    ? { error: error.message, stack: error.stack }
    : { error: String(error) };
}
