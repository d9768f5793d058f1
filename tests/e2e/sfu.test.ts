import { threeWayCallSuite } from "./support/three-way-call.ts";

// Needs an edge configured with a media node (HUDDLE_E2E_SFU_URL, started by run.ts when the
// mediasoup worker is built); without one the suite is reported as SKIPPED with the reason
// printed. With one, a call that falls back to the mesh fails the suite.
threeWayCallSuite({
  mode: "sfu",
  edgeUrl: process.env.HUDDLE_E2E_SFU_URL,
  unavailable:
    process.env.HUDDLE_E2E_SFU_UNAVAILABLE ?? "HUDDLE_E2E_SFU_URL is not set (run through `npm run test:e2e`)",
  screenshot: "three-way-call-sfu.png",
});
