/**
 * Parses a Cookie header into name → value. A value that is not valid percent-encoding (another
 * app on the same host may set `theme=100%`) is kept as it came: cookies are not ours alone.
 */
export function getCookies(headers: Headers): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of headers.get("cookie")?.split(";") ?? []) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    if (name && !(name in cookies)) cookies[name] = decodeValue(part.slice(index + 1).trim());
  }
  return cookies;
}

function decodeValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
