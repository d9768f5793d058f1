// The node's push path: real mediasoup, real RTP on plain transports, a signed HTTP receiver
// standing in for the edge that checks every batch's signature and schema.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type ConsumeResponse,
  type CreatePlainTransportResponse,
  type EnsureRoomResponse,
  MAX_NODE_EVENTS,
  type NodeEvent,
  NodeEventsBatch,
  nodeEventsPath,
  type ProduceResponse,
  mediaPaths as p,
  ReplayGuard,
  type RtpParameters,
  registryPaths,
  verifyRequest,
} from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBatcher } from "../../media-node/src/events/event-batcher.ts";
import type { MediaNode } from "../../media-node/src/node.ts";
import { type ApiClient, apiClient, RtpEndpoint, SECRET, startTestNode, waitFor } from "./helpers.ts";

const AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
const LEVEL_EXT_ID = 1;

/** Opus with the audio-level header extension, as a browser sends its microphone. */
function opusWithLevel(ssrc: number): RtpParameters {
  return {
    codecs: [{ mimeType: "audio/opus", payloadType: 100, clockRate: 48000, channels: 2 }],
    headerExtensions: [{ uri: AUDIO_LEVEL_URI, id: LEVEL_EXT_ID }],
    encodings: [{ ssrc }],
  };
}

/** One opus RTP packet carrying an RFC 6464 audio level (`dbov`: 0 loudest .. 127 silence). */
function levelPacket(ssrc: number, seq: number, dbov: number): Buffer {
  const packet = Buffer.alloc(12 + 8 + 40);
  packet[0] = 0x90; // version 2, extension bit
  packet[1] = 100;
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE((seq * 960) >>> 0, 4);
  packet.writeUInt32BE(ssrc >>> 0, 8);
  packet.writeUInt16BE(0xbede, 12); // one-byte header extensions
  packet.writeUInt16BE(1, 14); // one 32-bit word
  packet[16] = (LEVEL_EXT_ID << 4) | 0; // id, length 1
  packet[17] = (dbov < 127 ? 0x80 : 0) | dbov; // voice activity flag, level
  packet[20] = 0xfc; // TOC: CELT fullband 20 ms
  for (let i = 21; i < packet.length; i++) packet[i] = (i * 7 + seq) & 0xff;
  return packet;
}

/** Stands in for the edge: checks each request's signature and body, keeps every batch. */
class EdgeReceiver {
  readonly batches: NodeEventsBatch[] = [];
  readonly refused: string[] = [];
  readonly #replay = new ReplayGuard();
  readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => void this.#handle(req.method ?? "", req.url ?? "", req.headers, Buffer.concat(chunks), res));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  events(): NodeEvent[] {
    return this.batches.flatMap((batch) => batch.events);
  }

  async #handle(
    method: string,
    url: string,
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
    res: import("node:http").ServerResponse,
  ): Promise<void> {
    const verdict = await verifyRequest({
      secret: SECRET,
      method,
      pathWithQuery: url,
      header: (name) => {
        const value = headers[name];
        return Array.isArray(value) ? value[0] : value;
      },
      body: body.toString("utf8"),
      replay: this.#replay,
    });
    if (!verdict.ok) {
      this.refused.push(`${url}: ${verdict.reason}`);
      res.writeHead(401).end();
      return;
    }
    if (url === registryPaths.announce) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, ttlMs: 30_000 }));
      return;
    }
    if (url !== nodeEventsPath || method !== "POST") {
      res.writeHead(404).end();
      return;
    }
    const parsed = NodeEventsBatch.safeParse(JSON.parse(body.toString("utf8")));
    if (!parsed.success) {
      this.refused.push(`${url}: ${parsed.error.message}`);
      res.writeHead(400).end();
      return;
    }
    this.batches.push(parsed.data);
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ ok: true, applied: 0, ignored: 0 }));
  }
}

describe("node events pushed to the edge", () => {
  const room = "push-room";
  const SSRC_TALKER = 0x1111;
  const SSRC_QUIET = 0x2222;
  let receiver: EdgeReceiver;
  let node: MediaNode;
  let api: ApiClient;
  let talker: RtpEndpoint;
  let quiet: RtpEndpoint;
  let listener: RtpEndpoint;
  let talkerProducer: ProduceResponse;
  let quietProducer: ProduceResponse;
  let consumer: ConsumeResponse;
  let sending: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    receiver = new EdgeReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, "127.0.0.1", resolve));
    node = await startTestNode({ edgeUrl: receiver.url, eventsFlushMs: 100 });
    api = apiClient(node.url);
    talker = await RtpEndpoint.open();
    quiet = await RtpEndpoint.open();
    listener = await RtpEndpoint.open();
    const { rtpCapabilities } = await api.put<EnsureRoomResponse>(p.room(room));
    const produce = async (peer: string, endpoint: RtpEndpoint, ssrc: number) => {
      const t = await api.post<CreatePlainTransportResponse>(p.plainTransports(room, peer), { direction: "send" });
      await api.post(p.connect(room, peer, t.id), { ip: "127.0.0.1", port: endpoint.port });
      const produced = await api.post<ProduceResponse>(p.produce(room, peer, t.id), {
        kind: "audio",
        rtpParameters: opusWithLevel(ssrc),
      });
      return { produced, port: t.port };
    };
    const a = await produce("talker", talker, SSRC_TALKER);
    const b = await produce("quiet", quiet, SSRC_QUIET);
    talkerProducer = a.produced;
    quietProducer = b.produced;
    const recv = await api.post<CreatePlainTransportResponse>(p.plainTransports(room, "listener"), {
      direction: "recv",
    });
    await api.post(p.connect(room, "listener", recv.id), { ip: "127.0.0.1", port: listener.port });
    consumer = await api.post<ConsumeResponse>(p.consume(room, "listener", recv.id), {
      producerId: talkerProducer.id,
      rtpCapabilities,
    });
    await api.post(p.consumerResume(room, "listener", consumer.id));
    // 20 ms packets: one speaks in syllables (200 ms at -10 dBov, 100 ms at -50), the other sends
    // silence (-127). The syllables matter: mediasoup's dominant-speaker algorithm scores a level
    // against the speaker's own running minimum, so a constant level scores no activity at all, and
    // the talker would then be named only when its random producer id happened to sort first.
    let seq = 0;
    sending = setInterval(() => {
      seq++;
      void talker.send(levelPacket(SSRC_TALKER, seq, seq % 15 < 10 ? 10 : 50), a.port);
      void quiet.send(levelPacket(SSRC_QUIET, seq, 127), b.port);
    }, 20);
  });

  afterAll(async () => {
    clearInterval(sending);
    await node?.close();
    talker?.close();
    quiet?.close();
    listener?.close();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it("reports the speaking producer as the active speaker, with its level", async () => {
    const speaker = await waitFor("an active-speaker event naming the talker", () =>
      receiver.events().find((e) => e.type === "active-speaker" && e.peerId === "talker"),
    );
    expect(speaker).toMatchObject({ roomId: room, peerId: "talker", producerId: talkerProducer.id });
    // With no speaker named yet the observer names the first producer in id order, which may be the
    // quiet one; the talker's syllables then take over, and it is the one that stays named.
    const speakers = receiver.events().filter((e) => e.type === "active-speaker");
    expect(speakers.at(-1)).toMatchObject({ peerId: "talker" });
  });

  it("reports producer scores of the streams it receives", async () => {
    const score = await waitFor("a producer-score of the talker", () =>
      receiver.events().find((e) => e.type === "producer-score" && e.producerId === talkerProducer.id),
    );
    expect(score).toMatchObject({ roomId: room, peerId: "talker" });
    if (score.type !== "producer-score") throw new Error("unreachable");
    expect(score.score).toBeGreaterThan(0);
    await waitFor("a producer-score of the quiet one", () =>
      receiver.events().find((e) => e.type === "producer-score" && e.producerId === quietProducer.id),
    );
  });

  it("reports consumer scores, named by the consuming peer", async () => {
    const score = await waitFor("a consumer-score", () =>
      receiver.events().find((e) => e.type === "consumer-score" && e.consumerId === consumer.id),
    );
    expect(score).toMatchObject({ roomId: room, peerId: "listener" });
  });

  it("sends signed, schema-valid, bounded batches from the node's announced URL", () => {
    expect(receiver.refused).toEqual([]);
    expect(receiver.batches.length).toBeGreaterThan(0);
    for (const batch of receiver.batches) {
      expect(batch.nodeUrl).toBe(node.publicUrl);
      expect(batch.events.length).toBeLessThanOrEqual(MAX_NODE_EVENTS);
    }
  });
});

describe("EventBatcher", () => {
  const score = (producerId: string, value: number): NodeEvent => ({
    type: "producer-score",
    roomId: "r",
    peerId: "p",
    producerId,
    score: value,
  });
  const closed = (producerId: string): NodeEvent => ({
    type: "producer-closed",
    roomId: "r",
    peerId: "p",
    producerId,
    reason: "transport-closed",
  });

  it("keeps only the newest state per object, and every closure, in one batch", async () => {
    const sent: NodeEvent[][] = [];
    const batcher = new EventBatcher({ flushMs: 10_000, send: async (events) => void sent.push(events) });
    batcher.push(score("a", 3));
    batcher.push(closed("x"));
    batcher.push(score("a", 9));
    batcher.push(closed("y"));
    await batcher.flush();
    // The newer score takes the older one's place in line at its own time.
    expect(sent).toEqual([[closed("x"), score("a", 9), closed("y")]]);
  });

  it("sends at once when a batch is full, never more than MAX_NODE_EVENTS in one", async () => {
    const sent: NodeEvent[][] = [];
    const batcher = new EventBatcher({ flushMs: 10_000, send: async (events) => void sent.push(events) });
    for (let i = 0; i < MAX_NODE_EVENTS + 5; i++) batcher.push(closed(`p${i}`));
    await waitFor("the full batch", () => sent.length === 1);
    expect(sent[0]).toHaveLength(MAX_NODE_EVENTS);
    expect(batcher.pending).toBe(5);
    await batcher.close();
    expect(sent.map((batch) => batch.length)).toEqual([MAX_NODE_EVENTS, 5]);
  });

  it("drops a batch whose send fails and goes on with the next", async () => {
    const sent: NodeEvent[][] = [];
    let fail = true;
    const batcher = new EventBatcher({
      flushMs: 10_000,
      send: async (events) => {
        if (fail) {
          fail = false;
          throw new Error("edge down");
        }
        sent.push(events);
      },
    });
    batcher.push(closed("lost"));
    await batcher.flush();
    batcher.push(closed("kept"));
    await batcher.flush();
    expect(sent).toEqual([[closed("kept")]]);
  });
});
