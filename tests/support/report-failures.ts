// vitest setup file (integration, e2e): when a test fails, print the last output lines of every
// child process this test file started (the edge, media nodes), so the CI log alone explains it.
import { beforeEach } from "vitest";
import { reportChildren } from "./processes.ts";

beforeEach(({ task, onTestFailed }) => {
  onTestFailed(() => reportChildren(`"${task.name}" failed`));
});
