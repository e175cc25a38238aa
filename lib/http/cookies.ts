/** Parses a Cookie header into name → value. */
export function getCookies(headers: Headers): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of headers.get("cookie")?.split(";") ?? []) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    if (name && !(name in cookies)) {
      cookies[name] = decodeURIComponent(part.slice(index + 1).trim());
    }
  }
  return cookies;
}
