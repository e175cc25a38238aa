/**
 * The Chromium the browser tests drive, from Debian's packages: the old headless shell
 * (`apt-get install chromium-headless-shell`, the build Playwright itself runs headless) when it is
 * installed, else the full browser (`apt-get install chromium`, or another distribution's
 * Chromium or Chrome); undefined without any, and the browser tests are then skipped.
 *
 * The shell is the same Blink and V8 without the browser around it: no browser UI, no preloaded
 * WebUI renderer, lighter renderer processes. Here a fresh context, a page and two loads cost
 * ~0.9 s of CPU in it and ~2.5 s in the full browser, and the two browser shares ~100 s of CPU
 * against ~150 s, with the same tests passing.
 */
const CANDIDATES = [
  "/usr/bin/chromium-headless-shell",
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
];

export const CHROMIUM: string | undefined = CANDIDATES.find((path) => {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
});
