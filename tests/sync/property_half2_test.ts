/** The second half of the mirror property's sequences (tests/sync/_mirror_property.ts). */
import { mirrorPropertyTest } from "./_mirror_property.ts";

mirrorPropertyTest(2);
