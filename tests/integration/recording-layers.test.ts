// Dynacast and recording through the real edge (`wrangler dev`) and a real media node that
// records: while the room is recorded, a publisher keeps every layer of its simulcast camera on
// (the recorder receives the top one), however small every receiver shows it; when the recording
// stops, it is told what the receivers want again. (Without this, the recorder's layer stopped
// under it whenever every tile was small, and the recording froze there.)
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createJoinToken, type VideoGrant } from "@huddle/protocol/access";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ffmpegMissing } from "../media/recording-media.ts";
import { RoomClient } from "../support/room-client.ts";
import { waitFor } from "../support/wait.ts";
import { type Cluster, startCluster } from "./support/cluster.ts";
import { connectedTransport, consume, simulcastVp8 } from "./support/sfu.ts";

const API_KEY = "APIreclayers";
const API_SECRET = randomBytes(32).toString("hex");
const ROOM = "rec-layers";

let cluster: Cluster;
let dir: string;
const clients: RoomClient[] = [];

beforeAll(async () => {
  const missing = ffmpegMissing();
  if (missing !== undefined) throw new Error(`recording tests need FFmpeg and GStreamer: ${missing}`);
  dir = await mkdtemp(join(tmpdir(), "huddle-int-reclayers-"));
  cluster = await startCluster("rec-layers", {
    nodes: 1,
    mode: "static",
    vars: { API_KEYS: `${API_KEY}:${API_SECRET}` },
    nodeEnv: { MEDIA_NODE_RECORDINGS_DIR: dir, MEDIA_NODE_RECORDINGS_MIN_FREE_MB: "1" },
  });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function joinRoom(username: string, grant: Omit<VideoGrant, "room" | "roomJoin"> = {}) {
  const token = await createJoinToken({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    room: ROOM,
    identity: username,
    grant,
  });
  const joined = await RoomClient.join(cluster.wsUrl, ROOM, username, token);
  clients.push(joined.client);
  const caps = joined.joined.sfu?.rtpCapabilities;
  if (caps === undefined) throw new Error(`joined carries no sfu: ${JSON.stringify(joined.joined)}`);
  return { client: joined.client, caps };
}

describe("dynacast while recording", () => {
  it("keeps every layer on while the room is recorded, and goes back to what receivers want after", async () => {
    const { client: alice, caps } = await joinRoom("alice");
    const { client: bob } = await joinRoom("bob");
    const { client: director } = await joinRoom("director", { roomAdmin: true });
    const send = await connectedTransport(alice, "send");
    const camera = await alice.expect(
      "produce",
      { transportId: send.id, kind: "video", rtpParameters: simulcastVp8(61_000), appData: { source: "camera" } },
      "produced",
    );
    const recv = await connectedTransport(bob, "recv");
    const video = await consume(bob, recv.id, camera.id, caps);
    await bob.expect("resume-consumer", { consumerId: video.id }, "consumer-resumed");
    const told = () =>
      alice
        .all("producer-layers")
        .filter((d) => d.producerId === camera.id)
        .map((d) => d.maxSpatialLayer);
    const toldNext = (expected: number[]) =>
      waitFor(`alice to be told ${expected.join(", ")}`, async () =>
        told().length >= expected.length ? told() : undefined,
      );

    // bob shows alice small: she may stop her upper layers.
    await bob.expect("set-consumer-layers", { consumerId: video.id, spatialLayer: 0 }, "consumer-layers-set");
    expect(await toldNext([0])).toEqual([0]);

    // The room is recorded: every layer back on, though bob still wants only the lowest.
    await director.expect("start-recording", {}, "recording-started");
    expect(await toldNext([0, 2])).toEqual([0, 2]);
    // What bob wants meanwhile does not take the recorder's layer away.
    await bob.expect("pause-consumer", { consumerId: video.id }, "consumer-paused");
    await bob.expect("resume-consumer", { consumerId: video.id }, "consumer-resumed");
    await new Promise((resolve) => setTimeout(resolve, 600));
    await alice.sync();
    expect(told()).toEqual([0, 2]);

    // The recording stops: back to what bob wants.
    await director.expect("stop-recording", {}, "recording-stopped");
    expect(await toldNext([0, 2, 0])).toEqual([0, 2, 0]);
  });
});
