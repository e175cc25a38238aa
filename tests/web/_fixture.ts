import type { Hono } from "hono";
import manifest from "./fixture/fresh.gen.ts";
import { createWebApp } from "@/lib/web/app.ts";
import type { State } from "@/lib/web/state.ts";

let app: Promise<Hono> | undefined;

/** The fixture app, built once per test process; its state carries only a request id. */
export function fixtureApp(): Promise<Hono> {
  app ??= createWebApp(manifest, {
    state: () => ({ requestId: crypto.randomUUID() }) as State,
    onError: () => {},
  });
  return app;
}

export async function get(path: string, init?: RequestInit): Promise<Response> {
  return (await fixtureApp()).request(`http://localhost${path}`, init);
}
