import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const WEB_DIST = join(REPO_ROOT, "web", "dist");
/** Screenshots and logs the browser suites keep when a test fails. */
export const ARTIFACTS = join(REPO_ROOT, "tests", "e2e", "artifacts");
