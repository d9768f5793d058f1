// Writes docs/protocol-reference.md from the zod schemas (npm run protocol:gen).
import { writeFileSync } from "node:fs";
import { REFERENCE_PATH, renderReference } from "../src/reference.ts";

writeFileSync(REFERENCE_PATH, renderReference());
console.log(`wrote ${REFERENCE_PATH}`);
