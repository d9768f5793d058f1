import { requiredServer } from "./support/call-page.ts";
import { threeWayCallSuite } from "./support/three-way-call.ts";

// The edge started by run.ts for this suite has no media node: `joined` carries no `sfu`,
// so every page uses the peer-to-peer mesh over the edge's webrtc-* relay.
threeWayCallSuite({
  mode: "mesh",
  edgeUrl: requiredServer("HUDDLE_E2E_MESH_URL"),
  screenshot: "three-way-call.png",
});
