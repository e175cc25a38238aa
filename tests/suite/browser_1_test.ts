/**
 * Browser share 1 of 2: half of tests/e2e/ in one isolate, over one app and one Chromium (see
 * tests/_suite.ts and takeBrowserWorld in tests/e2e/_app.ts).
 */
import { importShare } from "../_suite.ts";

await importShare(0, 2, "browser");
