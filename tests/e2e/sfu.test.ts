import { threeWayCallSuite } from "./support/three-way-call.ts";

// Needs an edge whose `joined` carries `sfu` (a media node serving the room). run.ts starts
// one when it can (HUDDLE_E2E_SFU_URL); otherwise, or while the edge answers without `sfu`,
// the suite is reported as SKIPPED with the reason printed, never silently passed.
threeWayCallSuite({
  mode: "sfu",
  edgeUrl: process.env.HUDDLE_E2E_SFU_URL,
  unavailable:
    process.env.HUDDLE_E2E_SFU_UNAVAILABLE ?? "HUDDLE_E2E_SFU_URL is not set (run through `npm run test:e2e`)",
  screenshot: "three-way-call-sfu.png",
});
