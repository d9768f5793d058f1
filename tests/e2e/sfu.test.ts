import { requiredServer } from "./support/call-page.ts";
import { threeWayCallSuite } from "./support/three-way-call.ts";

// Needs an edge configured with a media node (HUDDLE_E2E_SFU_URL, started by run.ts with the
// mediasoup worker). Without one the suite fails with run.ts's reason; with one, a call that
// falls back to the mesh fails the suite.
threeWayCallSuite({
  mode: "sfu",
  edgeUrl: requiredServer("HUDDLE_E2E_SFU_URL", process.env.HUDDLE_E2E_SFU_UNAVAILABLE),
  screenshot: "three-way-call-sfu.png",
});
