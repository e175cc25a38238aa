/** Share 2 of 4 of the small test files, in one isolate (see tests/_suite.ts). */
import { importShare } from "../_suite.ts";

await importShare(1, 4);
