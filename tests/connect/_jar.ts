/** A browser with a cookie jar over `app.request`: keeps what the app sets, sends it back. */
import type { Hono } from "hono";

export interface JarBrowser {
  (path: string, init?: RequestInit): Promise<Response>;
  /** The jar's cookies by name (paths ignored: the app is one origin). */
  cookies: Map<string, string>;
}

/** A browser of `origin` that starts with no cookie at all. */
export function jarBrowser(app: Hono, origin: string): JarBrowser {
  const cookies = new Map<string, string>();
  const browser = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookies.size > 0) {
      headers.set("cookie", [...cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    if (init.method && init.method !== "GET") headers.set("origin", origin);
    const res = await app.request(new URL(path, origin).toString(), { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const index = pair.indexOf("=");
      const name = pair.slice(0, index).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) cookies.delete(name);
      else cookies.set(name, pair.slice(index + 1).trim());
    }
    return res;
  };
  return Object.assign(browser, { cookies });
}
