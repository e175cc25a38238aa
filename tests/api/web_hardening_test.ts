/**
 * What a hostile network or a second name for the host must not break: one public origin for
 * pages, the request-body cap, `next=` after sign-in, private responses kept out of caches, and
 * the session cookie and HSTS of an HTTPS deployment.
 */
import assert from "node:assert/strict";
import { issueToken } from "@/lib/auth/jwt.ts";
import { hashPassword } from "@/lib/auth/password.ts";
import { createUser } from "@/lib/db/users.ts";
import { createServices } from "@/lib/services.ts";
import { createApp } from "@/main.ts";
import { openTestApp, testConfig, uniqueEmail } from "../_helpers.ts";

const t = await openTestApp();
const { app } = t;
const PASSWORD = "correct horse battery";

/** An account made in the database (a cheap hash keeps sign-ins fast), and its token. */
async function newAccount(): Promise<{ id: string; email: string; token: string }> {
  const email = uniqueEmail();
  const user = await createUser(t.db, email, await hashPassword(PASSWORD, 1_000));
  return { id: user.id, email, token: await issueToken(user.id, t.services.config.jwtSecret) };
}

/** The whole app over the same database with other settings (API_URL, TRUST_PROXY). */
async function appWith(env: Record<string, string>) {
  const services = createServices(await testConfig(env), t.db, undefined);
  return await createApp(services, { bundle: false });
}

async function status(res: Response | Promise<Response>): Promise<Response> {
  const response = await res;
  await response.body?.cancel();
  return response;
}

Deno.test("[http] a page opened under another host name is sent to the public origin", async (s) => {
  await s.step("GET and HEAD of a page go to API_URL, path and query kept", async () => {
    for (const method of ["GET", "HEAD"]) {
      const res = await status(app.request("http://127.0.0.1/login?next=%2Fsyncs", { method }));
      assert.equal(res.status, 307, method);
      assert.equal(res.headers.get("location"), "http://localhost/login?next=%2Fsyncs");
    }
    const there = await status(app.request("http://localhost/login"));
    assert.equal(there.status, 200);
  });

  await s.step("a form post is not redirected (it would lose its body)", async () => {
    const res = await status(app.request("http://127.0.0.1/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: "", password: "" }),
    }));
    assert.equal(res.status, 422);
  });

  await s.step("the API and its health check answer under any name", async () => {
    const health = await status(app.request("http://127.0.0.1/api/health"));
    assert.equal(health.status, 200);
    const docs = await status(app.request("http://10.1.2.3/api/openapi.json"));
    assert.equal(docs.status, 200);
  });

  await s.step("with API_URL unset, development's origin is localhost:PORT", async () => {
    const dev = await appWith({ API_URL: "", PORT: "8123" });
    const res = await status(dev.request("http://127.0.0.1:8123/"));
    assert.equal(res.status, 307);
    assert.equal(res.headers.get("location"), "http://localhost:8123/");
    const ok = await status(dev.request("http://localhost:8123/login"));
    assert.equal(ok.status, 200);
  });

  await s.step("behind a TLS terminator the HTTPS origin does not loop", async () => {
    const https = await appWith({ API_URL: "https://cal.example.com" });
    const proxied = await status(https.request("http://cal.example.com/login"));
    assert.equal(proxied.status, 200);
    const other = await status(https.request("http://cal-sync.herokuapp.example/login"));
    assert.equal(other.status, 307);
    assert.equal(other.headers.get("location"), "https://cal.example.com/login");
  });

  await s.step("with TRUST_PROXY, X-Forwarded-Host names the host the visitor used", async () => {
    const proxied = await appWith({ API_URL: "https://cal.example.com", TRUST_PROXY: "1" });
    const res = await status(proxied.request("http://10.0.0.7:8000/login", {
      headers: { "x-forwarded-host": "cal.example.com", "x-forwarded-proto": "https" },
    }));
    assert.equal(res.status, 200);
    const stray = await status(proxied.request("http://10.0.0.7:8000/login", {
      headers: { "x-forwarded-host": "10.0.0.7:8000", "x-forwarded-proto": "http" },
    }));
    assert.equal(stray.status, 307);
  });
});

Deno.test("[http] a request body over 1 MB answers 413 without being read", async (s) => {
  const MB = 1024 * 1024;
  /** A JSON body of `total` bytes made as it is read; `pulled` counts what the app took. */
  function streamed(total: number) {
    const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
    const counter = { pulled: 0 };
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (counter.pulled >= total) return controller.close();
        counter.pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { body, counter };
  }

  await s.step("with Content-Length: the API's JSON error, before any byte is read", async () => {
    const { body, counter } = streamed(100 * MB);
    const res = await app.request("/api/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(100 * MB) },
      body,
      duplex: "half",
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    const { error } = await res.json();
    assert.equal(error.code, 413);
    assert.match(error.message, /too large: the limit is 1 MB/);
    assert.ok(counter.pulled <= 128 * 1024, `read ${counter.pulled} bytes`);
  });

  await s.step("without Content-Length (chunked): stops reading past the cap", async () => {
    const { body, counter } = streamed(100 * MB);
    const res = await app.request("/api/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.code, 413);
    assert.ok(counter.pulled <= MB + 128 * 1024, `read ${counter.pulled} bytes`);
  });

  await s.step("a page answers an HTML page", async () => {
    const { body } = streamed(2 * MB);
    const res = await app.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
      duplex: "half",
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await res.text(), /too large: the limit is 1 MB/);
  });

  await s.step("over a real socket, a chunked 100 MB upload is cut short", async () => {
    await using server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req, info) => app.fetch(req, info),
    );
    const { body, counter } = streamed(100 * MB);
    const res = await fetch(`http://localhost:${server.addr.port}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.code, 413);
    // What the socket buffers took beyond the cap, far from the 100 MB sent.
    assert.ok(counter.pulled < 20 * MB, `sent ${counter.pulled} bytes`);
  });

  await s.step("a body just under the cap is read as usual", async () => {
    const res = await app.request("/api/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: uniqueEmail(), password: "x".repeat(MB - 200) }),
    });
    assert.equal(res.status, 422);
    assert.ok((await res.json()).error.fields.password);
  });
});

Deno.test("[http] next= after sign-in goes only to a safe path of this site", async (s) => {
  const { email } = await newAccount();
  const hostile = [
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%0D%0ASet-Cookie:%20x=y",
    "//evil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "%2F%2Fevil.example",
    "/%C3%A9t%C3%A9",
    "/%E2%80%AE/evil",
    "/a%20b",
    "%20/x",
    "/%00",
    "",
  ];
  const safe = ["/", "/syncs/5f0c/delete?x=1&y=2", "/api/oauth/callback?state=a.b-c_d&code=4%2F0A"];

  async function after(path: "/login" | "/register", next: string) {
    const body = new URLSearchParams({
      email: path === "/login" ? email : uniqueEmail(),
      password: PASSWORD,
    });
    const res = await status(app.request(`${path}?next=${next}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
      body,
    }));
    assert.equal(res.status, 303, `${path}?next=${next}`);
    return res.headers.get("location");
  }

  await s.step("/login: hostile values go to /", async () => {
    for (const next of hostile) assert.equal(await after("/login", next), "/", next);
  });
  await s.step("/login: same-site paths are kept", async () => {
    for (const next of safe) assert.equal(await after("/login", encodeURIComponent(next)), next);
  });
  await s.step("/register does the same", async () => {
    assert.equal(await after("/register", hostile[0]), "/");
    assert.equal(await after("/register", encodeURIComponent(safe[1])), safe[1]);
  });
});

Deno.test("[http] private responses carry Cache-Control: no-store", async (s) => {
  const { email, token } = await newAccount();
  const cookie = `session=${token}`;

  await s.step("pages of a signed-in visitor", async () => {
    for (const path of ["/", "/api/docs", "/no/such/page"]) {
      const res = await status(app.request(path, { headers: { cookie } }));
      assert.equal(res.headers.get("cache-control"), "no-store", path);
    }
  });

  await s.step("the API with a user, by cookie or bearer", async () => {
    for (const headers of [{ cookie }, { authorization: `Bearer ${token}` }] as HeadersInit[]) {
      for (const path of ["/api/auth/me", "/api/sync/config", "/api/oauth/status"]) {
        const res = await status(app.request(path, { headers }));
        assert.equal(res.status, 200, path);
        assert.equal(res.headers.get("cache-control"), "no-store", path);
      }
    }
  });

  await s.step("the answer that sets the session cookie", async () => {
    const res = await status(app.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, password: PASSWORD }),
    }));
    assert.ok(res.headers.get("set-cookie"));
    assert.equal(res.headers.get("cache-control"), "no-store");
  });

  await s.step("public files stay cacheable", async () => {
    const css = await status(app.request("/styles.css", { headers: { cookie } }));
    assert.match(css.headers.get("cache-control") ?? "", /public/);
  });
});

Deno.test("[http] an HTTPS deployment accepts only __Host-session and sends HSTS", async (s) => {
  const https = await appWith({ API_URL: "https://cal.example.com" });
  const { id, token } = await newAccount();

  await s.step("a plain session cookie is not a session (cookie tossing)", async () => {
    for (
      const url of ["https://cal.example.com/api/auth/me", "http://cal.example.com/api/auth/me"]
    ) {
      const res = await status(https.request(url, { headers: { cookie: `session=${token}` } }));
      assert.equal(res.status, 401, url);
    }
    const page = await status(
      https.request("https://cal.example.com/", { headers: { cookie: `session=${token}` } }),
    );
    assert.equal(page.status, 303);
    assert.match(page.headers.get("location") ?? "", /^\/login/);
  });

  await s.step("the __Host- cookie is", async () => {
    const res = await https.request("https://cal.example.com/api/auth/me", {
      headers: { cookie: `session=forged; __Host-session=${token}` },
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).id, id);
  });

  await s.step("HSTS on every answer, also when TLS ends before the app", async () => {
    for (const url of ["http://cal.example.com/login", "http://cal.example.com/api/health"]) {
      const res = await status(https.request(url));
      assert.match(res.headers.get("strict-transport-security") ?? "", /max-age=\d{7,}/, url);
    }
    const plain = await status(app.request("http://localhost/login"));
    assert.equal(plain.headers.get("strict-transport-security"), null);
  });

  await s.step("over plain HTTP the unprefixed cookie still works", async () => {
    const res = await status(
      app.request("/api/auth/me", { headers: { cookie: `session=${token}` } }),
    );
    assert.equal(res.status, 200);
  });
});
