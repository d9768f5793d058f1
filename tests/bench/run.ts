// `npm run bench`: runs every benchmark in turn; each prints its own baseline beside our figure.
import { spawnSync } from "node:child_process";

const benches = [
  "edge-relay.ts",
  "media-forwarding.ts",
  "sfu-signaling.ts",
  "page-to-first-frame.ts",
  "join-storm.ts",
  "recording.ts",
  "network.ts",
  "layers-bitrate.ts",
  "capped-receiver.ts",
];
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench}`);
  const result = spawnSync(process.execPath, [new URL(bench, import.meta.url).pathname], { stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
